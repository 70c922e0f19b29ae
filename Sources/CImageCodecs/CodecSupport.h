#ifndef FUSIONKIT_CODEC_SUPPORT_H
#define FUSIONKIT_CODEC_SUPPORT_H

/* Helpers shared by the decoders and the encoder (not part of the public header). */

#include "FusionKitImageCodecs.h"

#include <stdarg.h>
#include <stdint.h>

/* Writes a printf-style message into `message` (cut to `message_size` bytes, NUL included); does
   nothing when `message` is NULL or `message_size` is 0. */
void fk_set_message(char *message, size_t message_size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* The byte count of `width` × `height` × `channels` samples of `bytes_per_sample` bytes, or 0 if
   it overflows size_t (no image is empty, so 0 is never a valid answer). */
size_t fk_image_byte_count(uint32_t width, uint32_t height, uint32_t channels, uint32_t bytes_per_sample);

/* Whether `width` × `height` (each below 2^32, so the product fits in 64 bits) exceeds `max_pixels`. */
static inline int fk_exceeds_pixel_limit(uint32_t width, uint32_t height, uint64_t max_pixels) {
    return (uint64_t)width * (uint64_t)height > max_pixels;
}

/* Starts a decode: `out` zeroed and `message` empty, so that every return leaves both defined. */
void fk_decode_begin(fk_decoded_image *out, char *message, size_t message_size);

/* Allocates zeroed pixels for `image` (its width and height already set) with `channels` samples
   of `bit_depth` bits a pixel into `*pixels`, and records channels, bit depth and byte count in
   `image`. FK_IMAGE_OUT_OF_MEMORY, with `message` saying why, when the byte count overflows
   size_t or the allocation fails. */
fk_image_status fk_allocate_pixels(fk_decoded_image *image, uint8_t **pixels, uint32_t channels, uint32_t bit_depth,
                                   char *message, size_t message_size);

/* Ends a decode: on FK_IMAGE_OK hands `image` with `pixels` to `out`; otherwise frees `pixels`
   and leaves only the declared width and height in `out`. Returns `status`. */
fk_image_status fk_decode_end(fk_image_status status, const fk_decoded_image *image, uint8_t *pixels,
                              fk_decoded_image *out);

#endif
