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
