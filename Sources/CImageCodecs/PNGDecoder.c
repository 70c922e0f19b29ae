/* PNG decoding with libpng, reading only from a memory buffer. */

#include "CodecSupport.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

/* Everything one decode owns. It lives in fk_png_decode's frame, outside the function that calls
   setjmp, so its fields keep their values across a longjmp and are released in one place. */
typedef struct fk_png_decoder {
    const uint8_t *data;
    size_t size;
    size_t offset;
    uint64_t max_pixels;
    fk_image_status status;   /* set before any longjmp; the first failure wins */
    char *message;
    size_t message_size;
    png_structp png;
    png_infop info;
    uint8_t *pixels;
    png_bytep *rows;
    fk_decoded_image image;
} fk_png_decoder;

/* Ancillary chunks that never change the pixels this decoder returns. Reading them as unknown
   chunks with PNG_HANDLE_CHUNK_NEVER skips them (their CRC is still checked), so compressed text
   and ICC profiles are never inflated. Each name is 4 bytes and a NUL. */
static const png_byte fk_png_skipped_chunks[] = "iCCP\0iTXt\0tEXt\0zTXt\0sPLT\0eXIf\0hIST\0";
enum { FK_PNG_SKIPPED_CHUNK_COUNT = 7 };

/* libpng's per-chunk allocation limit (ancillary chunks such as PLTE-sized tables); IDAT data is
   streamed and does not count. */
enum { FK_PNG_CHUNK_MALLOC_MAX = 8 * 1024 * 1024 };

static void fk_png_on_error(png_structp png, png_const_charp text) {
    fk_png_decoder *decoder = png_get_error_ptr(png);
    if (decoder->status == FK_IMAGE_OK) {
        int out_of_memory = strstr(text, "ut of memory") != NULL || strstr(text, "nsufficient memory") != NULL;
        decoder->status = out_of_memory ? FK_IMAGE_OUT_OF_MEMORY : FK_IMAGE_CORRUPT;
        fk_set_message(decoder->message, decoder->message_size, "%s", text);
    }
    png_longjmp(png, 1);
}

/* Warnings (benign errors such as extra image data, unknown sRGB profiles) leave the pixels
   intact; they are neither printed nor reported. */
static void fk_png_on_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void fk_png_read_bytes(png_structp png, png_bytep destination, size_t length) {
    fk_png_decoder *decoder = png_get_io_ptr(png);
    size_t remaining = decoder->size - decoder->offset;
    if (length > remaining) {
        if (decoder->status == FK_IMAGE_OK) {
            decoder->status = FK_IMAGE_TRUNCATED;
            fk_set_message(decoder->message, decoder->message_size,
                           "the data ends after %zu bytes, where libpng needed %zu more",
                           decoder->size, length - remaining);
        }
        png_error(png, "truncated");
    }
    memcpy(destination, decoder->data + decoder->offset, length);
    decoder->offset += length;
}

static int fk_is_little_endian(void) {
    const uint16_t probe = 1;
    uint8_t first;
    memcpy(&first, &probe, 1);
    return first == 1;
}

/* Runs the decode; on any libpng error control returns here through setjmp with the status
   already recorded. Only `decoder` (in the caller's frame) is touched after a longjmp. */
static fk_image_status fk_png_run(fk_png_decoder *decoder) {
    png_structp png = decoder->png;
    png_infop info = decoder->info;
    if (setjmp(png_jmpbuf(png))) {
        return decoder->status == FK_IMAGE_OK ? FK_IMAGE_CORRUPT : decoder->status;
    }

    png_set_read_fn(png, decoder, fk_png_read_bytes);
    /* A bad CRC is an error in ancillary chunks too (libpng's default only warns for those). */
    png_set_crc_action(png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
#ifdef PNG_IGNORE_ADLER32
    /* Every IDAT byte, the zlib stream's Adler-32 included, is already covered by its chunk's
     * CRC, which is checked above; a second checksum over the inflated pixels would catch
     * nothing the CRC does not (its cost: Docs/Benchmarks.md, "The data layer"). */
    (void)png_set_option(png, PNG_IGNORE_ADLER32, PNG_OPTION_ON);
#endif
    /* The pixel limit below replaces libpng's default 1,000,000-per-side limit. */
    png_set_user_limits(png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
    png_set_chunk_malloc_max(png, FK_PNG_CHUNK_MALLOC_MAX);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, NULL, 0);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, fk_png_skipped_chunks, FK_PNG_SKIPPED_CHUNK_COUNT);

    png_read_info(png, info);
    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, NULL, NULL, NULL);
    decoder->image.width = width;
    decoder->image.height = height;
    if (fk_exceeds_pixel_limit(width, height, decoder->max_pixels)) {
        fk_set_message(decoder->message, decoder->message_size,
                       "the header declares %u × %u pixels", (unsigned)width, (unsigned)height);
        return FK_IMAGE_TOO_LARGE;
    }

    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(png);
        /* libpng 1.6's palette expansion already applies tRNS; asked for explicitly, as its
           manual does, so the RGBA result does not hang on that detail. */
        if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    } else if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) {
        png_set_expand_gray_1_2_4_to_8(png);
    }
    if (bit_depth == 16 && fk_is_little_endian()) png_set_swap(png);
    (void)png_set_interlace_handling(png);
    png_read_update_info(png, info);

    uint32_t channels = png_get_channels(png, info);
    uint32_t depth = png_get_bit_depth(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if (channels < 1 || channels > 4 || (depth != 8 && depth != 16)
        || row_bytes != fk_image_byte_count(width, 1, channels, depth / 8)) {
        fk_set_message(decoder->message, decoder->message_size,
                       "libpng produced an unexpected layout (%u channels of %u bits, %zu bytes a row)",
                       (unsigned)channels, (unsigned)depth, row_bytes);
        return FK_IMAGE_CORRUPT;
    }
    fk_image_status status = fk_allocate_pixels(&decoder->image, &decoder->pixels, channels, depth,
                                                decoder->message, decoder->message_size);
    if (status != FK_IMAGE_OK) return status;
    if ((size_t)height <= SIZE_MAX / sizeof(png_bytep)) decoder->rows = malloc((size_t)height * sizeof(png_bytep));
    if (decoder->rows == NULL) {
        fk_set_message(decoder->message, decoder->message_size, "cannot allocate the %u row pointers", (unsigned)height);
        return FK_IMAGE_OUT_OF_MEMORY;
    }
    for (png_uint_32 y = 0; y < height; y++) decoder->rows[y] = decoder->pixels + (size_t)y * row_bytes;

    png_read_image(png, decoder->rows);
    /* Reads the chunks after the image through IEND, so a file cut after its last IDAT or a bad
       CRC in a trailing chunk is an error too. */
    png_read_end(png, NULL);
    return FK_IMAGE_OK;
}

/* Deliberate pattern (same shape as Sources/CImageCodecs/JPEGDecoder.c:fk_jpeg_decode): the header's one decode signature and a zeroed decoder of each library's own type; the shared steps are in CodecSupport. */
fk_image_status fk_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                              fk_decoded_image *out, char *message, size_t message_size) {
    fk_decode_begin(out, message, message_size);
    fk_png_decoder decoder;
    memset(&decoder, 0, sizeof decoder);
    decoder.data = data;
    decoder.size = data == NULL ? 0 : size;
    decoder.max_pixels = max_pixels;
    decoder.message = message;
    decoder.message_size = message_size;

    decoder.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &decoder, fk_png_on_error, fk_png_on_warning);
    if (decoder.png != NULL) decoder.info = png_create_info_struct(decoder.png);
    if (decoder.png == NULL || decoder.info == NULL) {
        if (decoder.png != NULL) png_destroy_read_struct(&decoder.png, NULL, NULL);
        fk_set_message(message, message_size, "cannot allocate libpng's decoder");
        return FK_IMAGE_OUT_OF_MEMORY;
    }

    fk_image_status status = fk_png_run(&decoder);
    png_destroy_read_struct(&decoder.png, &decoder.info, NULL);
    free(decoder.rows);
    return fk_decode_end(status, &decoder.image, decoder.pixels, out);
}
