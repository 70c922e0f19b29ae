/* 8-bit RGB PNG encoding with libpng into a growing memory buffer. */

#include "CodecSupport.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

/* Everything one encode owns; lives in fk_png_encode_rgb8's frame (see the PNG decoder). */
typedef struct fk_png_encoder {
    fk_image_status status;
    char *message;
    size_t message_size;
    png_structp png;
    png_infop info;
    uint8_t *bytes;
    size_t count;
    size_t capacity;
} fk_png_encoder;

static void fk_png_encoder_on_error(png_structp png, png_const_charp text) {
    fk_png_encoder *encoder = png_get_error_ptr(png);
    if (encoder->status == FK_IMAGE_OK) {
        encoder->status = FK_IMAGE_CORRUPT;
        fk_set_message(encoder->message, encoder->message_size, "%s", text);
    }
    png_longjmp(png, 1);
}

static void fk_png_encoder_on_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void fk_png_write_bytes(png_structp png, png_bytep data, size_t length) {
    fk_png_encoder *encoder = png_get_io_ptr(png);
    if (length > SIZE_MAX - encoder->count) {
        encoder->status = FK_IMAGE_OUT_OF_MEMORY;
        fk_set_message(encoder->message, encoder->message_size, "the encoded PNG does not fit in memory");
        png_error(png, "too large");
    }
    size_t needed = encoder->count + length;
    if (needed > encoder->capacity) {
        size_t capacity = encoder->capacity < 4096 ? 4096 : encoder->capacity;
        while (capacity < needed) capacity = capacity > SIZE_MAX / 2 ? needed : capacity * 2;
        uint8_t *grown = realloc(encoder->bytes, capacity);
        if (grown == NULL) {
            encoder->status = FK_IMAGE_OUT_OF_MEMORY;
            fk_set_message(encoder->message, encoder->message_size,
                           "cannot allocate %zu bytes for the encoded PNG", capacity);
            png_error(png, "out of memory");
        }
        encoder->bytes = grown;
        encoder->capacity = capacity;
    }
    memcpy(encoder->bytes + encoder->count, data, length);
    encoder->count = needed;
}

static void fk_png_flush(png_structp png) {
    (void)png;
}

static fk_image_status fk_png_encode_run(fk_png_encoder *encoder, const uint8_t *rgb,
                                         uint32_t width, uint32_t height) {
    png_structp png = encoder->png;
    png_infop info = encoder->info;
    if (setjmp(png_jmpbuf(png))) {
        return encoder->status == FK_IMAGE_OK ? FK_IMAGE_CORRUPT : encoder->status;
    }
    png_set_write_fn(png, encoder, fk_png_write_bytes, fk_png_flush);
    /* Any size a PNG can hold (libpng's default refuses more than 1,000,000 pixels a side). */
    png_set_user_limits(png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    size_t row_bytes = (size_t)width * 3;
    for (uint32_t y = 0; y < height; y++) png_write_row(png, rgb + (size_t)y * row_bytes);
    png_write_end(png, NULL);
    return FK_IMAGE_OK;
}

fk_image_status fk_png_encode_rgb8(const uint8_t *rgb, uint32_t width, uint32_t height,
                                   fk_encoded_bytes *out, char *message, size_t message_size) {
    memset(out, 0, sizeof *out);
    fk_set_message(message, message_size, "%s", "");
    if (rgb == NULL || width == 0 || height == 0 || width > PNG_UINT_31_MAX || height > PNG_UINT_31_MAX
        || fk_image_byte_count(width, height, 3, 1) == 0) {
        fk_set_message(message, message_size, "a PNG of %u × %u RGB pixels cannot be written",
                       (unsigned)width, (unsigned)height);
        return FK_IMAGE_CORRUPT;
    }
    fk_png_encoder encoder;
    memset(&encoder, 0, sizeof encoder);
    encoder.message = message;
    encoder.message_size = message_size;
    encoder.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &encoder, fk_png_encoder_on_error,
                                          fk_png_encoder_on_warning);
    if (encoder.png != NULL) encoder.info = png_create_info_struct(encoder.png);
    if (encoder.png == NULL || encoder.info == NULL) {
        if (encoder.png != NULL) png_destroy_write_struct(&encoder.png, NULL);
        fk_set_message(message, message_size, "cannot allocate libpng's encoder");
        return FK_IMAGE_OUT_OF_MEMORY;
    }
    fk_image_status status = fk_png_encode_run(&encoder, rgb, width, height);
    png_destroy_write_struct(&encoder.png, &encoder.info);
    if (status != FK_IMAGE_OK) {
        free(encoder.bytes);
        return status;
    }
    out->bytes = encoder.bytes;
    out->count = encoder.count;
    return FK_IMAGE_OK;
}
