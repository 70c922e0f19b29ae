/* JPEG decoding with libjpeg-turbo, reading only from a memory buffer (jpeg_mem_src). */

#include "CodecSupport.h"

/* jpeglib.h uses FILE and size_t without including their headers. */
#include <stdio.h>
#include <jpeglib.h>
#include <jerror.h>
#include <limits.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

/* More scans than this is an error. A progressive file can hold thousands of tiny scans, each of
   which makes libjpeg walk the whole coefficient buffer; real encoders write about ten. */
enum { FK_JPEG_MAX_SCANS = 1000 };

/* libjpeg's own allocations (chiefly a progressive image's coefficient buffer, 128 bytes per 8×8
   block and component) may use up to this many bytes per allowed pixel, plus a fixed allowance
   for tables and row buffers. An image within the pixel limit needs at most 6 bytes a pixel
   (three components, no subsampling) apart from the padding of its edges to whole blocks; an
   image far thinner than a block needs far more and is refused. Beyond the cap libjpeg asks for
   a backing store, which this build lacks, and fails. */
enum { FK_JPEG_MEMORY_BYTES_PER_PIXEL = 8 };
#define FK_JPEG_MEMORY_ALLOWANCE (64L * 1024 * 1024)

typedef struct fk_jpeg_error_manager {
    struct jpeg_error_mgr pub;   /* first, so a j_common_ptr's err converts to this type */
    jmp_buf jump;
    fk_image_status status;
    char *message;
    size_t message_size;
    long memory_limit;
} fk_jpeg_error_manager;

/* Everything one decode owns; lives in fk_jpeg_decode's frame (see the PNG decoder). */
typedef struct fk_jpeg_decoder {
    struct jpeg_decompress_struct cinfo;
    fk_jpeg_error_manager error;
    struct jpeg_progress_mgr progress;
    uint64_t max_pixels;
    uint8_t *pixels;
    fk_decoded_image image;
} fk_jpeg_decoder;

static void fk_jpeg_fail(j_common_ptr cinfo, fk_image_status status) {
    fk_jpeg_error_manager *error = (fk_jpeg_error_manager *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    error->status = status;
    if (cinfo->err->msg_code == JERR_NO_BACKING_STORE) {
        fk_set_message(error->message, error->message_size,
                       "decoding needs more than libjpeg's memory limit of %ld bytes (%s)",
                       error->memory_limit, text);
    } else {
        fk_set_message(error->message, error->message_size, "%s", text);
    }
    longjmp(error->jump, 1);
}

/* Errors are corrupt data, except running out of memory and three kinds of well-formed JPEG that
   this 8-bit build of libjpeg cannot decode: 12- or 16-bit samples, lossless or hierarchical
   coding, and (were it compiled out) arithmetic coding. */
static void fk_jpeg_error_exit(j_common_ptr cinfo) {
    int code = cinfo->err->msg_code;
    fk_image_status status = FK_IMAGE_CORRUPT;
    if (code == JERR_OUT_OF_MEMORY || code == JERR_NO_BACKING_STORE) {
        status = FK_IMAGE_OUT_OF_MEMORY;
    } else if (code == JERR_BAD_PRECISION || code == JERR_SOF_UNSUPPORTED || code == JERR_ARITH_NOTIMPL) {
        status = FK_IMAGE_UNSUPPORTED;
    }
    fk_jpeg_fail(cinfo, status);
}

/* Trace messages (level ≥ 0) are ignored. Warnings (level −1) mean corrupt or missing data, which
   libjpeg would otherwise paper over (grey blocks, a fake end of image), so they are errors,
   except two that say nothing about the pixels: an unknown JFIF revision and an unknown Adobe
   transform code. */
static void fk_jpeg_emit_message(j_common_ptr cinfo, int level) {
    if (level >= 0) return;
    int code = cinfo->err->msg_code;
    if (code == JWRN_JFIF_MAJOR || code == JWRN_ADOBE_XFORM) {
        cinfo->err->num_warnings++;
        return;
    }
    fk_jpeg_fail(cinfo, code == JWRN_JPEG_EOF ? FK_IMAGE_TRUNCATED : FK_IMAGE_CORRUPT);
}

/* Nothing is printed. */
static void fk_jpeg_output_message(j_common_ptr cinfo) {
    (void)cinfo;
}

static void fk_jpeg_progress(j_common_ptr cinfo) {
    if (!cinfo->is_decompressor) return;
    j_decompress_ptr decompress = (j_decompress_ptr)cinfo;
    if (decompress->input_scan_number > FK_JPEG_MAX_SCANS) {
        fk_jpeg_error_manager *error = (fk_jpeg_error_manager *)cinfo->err;
        error->status = FK_IMAGE_CORRUPT;
        fk_set_message(error->message, error->message_size,
                       "more than %d scans (a progressive JPEG needs about ten)", FK_JPEG_MAX_SCANS);
        longjmp(error->jump, 1);
    }
}

static long fk_jpeg_memory_limit(uint64_t max_pixels) {
    uint64_t allowance = (uint64_t)FK_JPEG_MEMORY_ALLOWANCE;
    uint64_t limit = (uint64_t)LONG_MAX;
    if (max_pixels <= ((uint64_t)LONG_MAX - allowance) / FK_JPEG_MEMORY_BYTES_PER_PIXEL) {
        limit = max_pixels * FK_JPEG_MEMORY_BYTES_PER_PIXEL + allowance;
    }
    return (long)limit;
}

/* Runs the decode; any libjpeg error (or warning) longjmps back here with the status recorded.
   Only `decoder` (in the caller's frame) is touched after a longjmp. */
static fk_image_status fk_jpeg_run(fk_jpeg_decoder *decoder, const uint8_t *data, size_t size) {
    j_decompress_ptr cinfo = &decoder->cinfo;
    if (setjmp(decoder->error.jump)) return decoder->error.status;

    jpeg_create_decompress(cinfo);
    cinfo->mem->max_memory_to_use = decoder->error.memory_limit;
    decoder->progress.progress_monitor = fk_jpeg_progress;
    cinfo->progress = &decoder->progress;
    jpeg_mem_src(cinfo, data, (unsigned long)size);

    (void)jpeg_read_header(cinfo, TRUE);
    decoder->image.width = cinfo->image_width;
    decoder->image.height = cinfo->image_height;
    if (fk_exceeds_pixel_limit(cinfo->image_width, cinfo->image_height, decoder->max_pixels)) {
        fk_set_message(decoder->error.message, decoder->error.message_size,
                       "the header declares %u × %u pixels",
                       (unsigned)cinfo->image_width, (unsigned)cinfo->image_height);
        return FK_IMAGE_TOO_LARGE;
    }
    switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE:
        cinfo->out_color_space = JCS_GRAYSCALE;
        break;
    case JCS_YCbCr:
    case JCS_RGB:
        cinfo->out_color_space = JCS_RGB;
        break;
    case JCS_CMYK:
        fk_set_message(decoder->error.message, decoder->error.message_size, "CMYK JPEGs are not supported");
        return FK_IMAGE_UNSUPPORTED;
    case JCS_YCCK:
        fk_set_message(decoder->error.message, decoder->error.message_size, "YCCK JPEGs are not supported");
        return FK_IMAGE_UNSUPPORTED;
    default:
        fk_set_message(decoder->error.message, decoder->error.message_size,
                       "JPEGs with %d colour components of no known colour space are not supported",
                       cinfo->num_components);
        return FK_IMAGE_UNSUPPORTED;
    }
    /* libjpeg's defaults, set explicitly because Pillow's pixels depend on them. */
    cinfo->dct_method = JDCT_ISLOW;
    cinfo->do_fancy_upsampling = TRUE;

    (void)jpeg_start_decompress(cinfo);
    uint32_t width = cinfo->output_width, height = cinfo->output_height;
    uint32_t channels = (uint32_t)cinfo->output_components;
    if (width != cinfo->image_width || height != cinfo->image_height || (channels != 1 && channels != 3)) {
        fk_set_message(decoder->error.message, decoder->error.message_size,
                       "libjpeg produced an unexpected layout (%u × %u × %u)",
                       (unsigned)width, (unsigned)height, (unsigned)channels);
        return FK_IMAGE_CORRUPT;
    }
    fk_image_status status = fk_allocate_pixels(&decoder->image, &decoder->pixels, channels, 8,
                                                decoder->error.message, decoder->error.message_size);
    if (status != FK_IMAGE_OK) return status;
    size_t row_bytes = (size_t)width * channels;
    while (cinfo->output_scanline < height) {
        JSAMPROW row = decoder->pixels + (size_t)cinfo->output_scanline * row_bytes;
        /* The memory source never suspends, so every call returns a row or fails. */
        if (jpeg_read_scanlines(cinfo, &row, 1) != 1) {
            fk_set_message(decoder->error.message, decoder->error.message_size, "libjpeg returned no row");
            return FK_IMAGE_CORRUPT;
        }
    }
    /* Reads through EOI, so a file cut after its last scan is an error too. */
    (void)jpeg_finish_decompress(cinfo);
    return FK_IMAGE_OK;
}

/* Deliberate pattern (same shape as Sources/CImageCodecs/PNGDecoder.c:fk_png_decode): the header's one decode signature and a zeroed decoder of each library's own type; the shared steps are in CodecSupport. */
fk_image_status fk_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                               fk_decoded_image *out, char *message, size_t message_size) {
    fk_decode_begin(out, message, message_size);
    fk_jpeg_decoder decoder;
    memset(&decoder, 0, sizeof decoder);
    decoder.max_pixels = max_pixels;
    decoder.cinfo.err = jpeg_std_error(&decoder.error.pub);
    decoder.error.pub.error_exit = fk_jpeg_error_exit;
    decoder.error.pub.emit_message = fk_jpeg_emit_message;
    decoder.error.pub.output_message = fk_jpeg_output_message;
    decoder.error.message = message;
    decoder.error.message_size = message_size;
    decoder.error.memory_limit = fk_jpeg_memory_limit(max_pixels);

    static const uint8_t empty = 0;
    fk_image_status status = fk_jpeg_run(&decoder, data == NULL ? &empty : data, data == NULL ? 0 : size);
    /* Safe after a failure anywhere, even inside jpeg_create_decompress: the struct started zeroed
       and libjpeg only frees what its memory manager recorded. */
    jpeg_destroy_decompress(&decoder.cinfo);
    return fk_decode_end(status, &decoder.image, decoder.pixels, out);
}
