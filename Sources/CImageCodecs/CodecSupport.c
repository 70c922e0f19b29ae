#include "CodecSupport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fk_set_message(char *message, size_t message_size, const char *format, ...) {
    if (message == NULL || message_size == 0) return;
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(message, message_size, format, arguments);
    va_end(arguments);
}

size_t fk_image_byte_count(uint32_t width, uint32_t height, uint32_t channels, uint32_t bytes_per_sample) {
    size_t count = width;
    if (height != 0 && count > SIZE_MAX / height) return 0;
    count *= height;
    if (channels != 0 && count > SIZE_MAX / channels) return 0;
    count *= channels;
    if (bytes_per_sample != 0 && count > SIZE_MAX / bytes_per_sample) return 0;
    return count * bytes_per_sample;
}

void fk_decode_begin(fk_decoded_image *out, char *message, size_t message_size) {
    memset(out, 0, sizeof *out);
    fk_set_message(message, message_size, "%s", "");
}

fk_image_status fk_allocate_pixels(fk_decoded_image *image, uint8_t **pixels, uint32_t channels, uint32_t bit_depth,
                                   char *message, size_t message_size) {
    size_t byte_count = fk_image_byte_count(image->width, image->height, channels, bit_depth / 8);
    if (byte_count == 0) {
        fk_set_message(message, message_size, "the image does not fit in memory");
        return FK_IMAGE_OUT_OF_MEMORY;
    }
    /* Zeroed, so no earlier heap contents could ever be returned as pixels. */
    *pixels = calloc(byte_count, 1);
    if (*pixels == NULL) {
        fk_set_message(message, message_size, "cannot allocate %zu bytes for the pixels", byte_count);
        return FK_IMAGE_OUT_OF_MEMORY;
    }
    image->channels = channels;
    image->bit_depth = bit_depth;
    image->byte_count = byte_count;
    return FK_IMAGE_OK;
}

fk_image_status fk_decode_end(fk_image_status status, const fk_decoded_image *image, uint8_t *pixels,
                              fk_decoded_image *out) {
    out->width = image->width;
    out->height = image->height;
    if (status != FK_IMAGE_OK) {
        free(pixels);
        return status;
    }
    *out = *image;
    out->pixels = pixels;
    return FK_IMAGE_OK;
}

void fk_image_free(fk_decoded_image *image) {
    if (image == NULL) return;
    free(image->pixels);
    memset(image, 0, sizeof *image);
}

void fk_bytes_free(fk_encoded_bytes *bytes) {
    if (bytes == NULL) return;
    free(bytes->bytes);
    memset(bytes, 0, sizeof *bytes);
}
