#ifndef FUSIONKIT_IMAGE_CODECS_H
#define FUSIONKIT_IMAGE_CODECS_H

/*
 * PNG and JPEG decoding and 8-bit RGB PNG encoding on top of libpng and libjpeg-turbo.
 *
 * Both libraries report errors by longjmp-ing out of a callback. These functions keep every
 * setjmp and longjmp inside C frames, so callers (Swift) never have frames skipped over, and
 * they return a status instead. They read only the `size` bytes at `data`, write no more than
 * `message_size` bytes (NUL included) to `message`, and free everything they allocated on every
 * error path; on success the caller owns the pixels and releases them with fk_image_free.
 * Nothing is printed to stderr. Each call is independent, so calls may run on many threads at
 * once.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum fk_image_status {
    /* Decoded (or encoded); `out` holds the result. */
    FK_IMAGE_OK = 0,
    /* The library rejected the data (bad signature, bad CRC, bad Huffman code, corrupt
       compressed data, …); `message` holds its reason. */
    FK_IMAGE_CORRUPT = 1,
    /* The data ended before the image did; `message` says where. */
    FK_IMAGE_TRUNCATED = 2,
    /* The header declares more than `max_pixels` pixels; `out->width` and `out->height` hold the
       declared size. Nothing was allocated for the pixels. */
    FK_IMAGE_TOO_LARGE = 3,
    /* A well-formed image this decoder does not convert (a CMYK or YCCK JPEG, 12-bit samples,
       lossless or hierarchical JPEG); `message` says which kind. */
    FK_IMAGE_UNSUPPORTED = 4,
    /* An allocation failed. */
    FK_IMAGE_OUT_OF_MEMORY = 5,
} fk_image_status;

/* A decoded image: `height` rows of `width` pixels of `channels` interleaved samples (1 gray,
   2 gray + alpha, 3 RGB, 4 RGBA), each `bit_depth` bits (8 or 16; 16-bit samples are uint16_t in
   the host's byte order). `pixels` holds exactly `byte_count` bytes. */
typedef struct fk_decoded_image {
    uint32_t width;
    uint32_t height;
    uint32_t channels;
    uint32_t bit_depth;
    void *pixels;
    size_t byte_count;
} fk_decoded_image;

/* Bytes produced by an encoder; release with fk_bytes_free. */
typedef struct fk_encoded_bytes {
    uint8_t *bytes;
    size_t count;
} fk_encoded_bytes;

/*
 * Decodes a PNG of any colour type, bit depth 1–16, interlaced or not.
 *
 * Gray of 1, 2 or 4 bits is scaled to 8 bits (×255, ×85, ×17); a palette expands to RGB, or to
 * RGBA when the file has a tRNS chunk; tRNS of a gray or RGB image is ignored (no alpha channel
 * is added), which is what Pillow opens; 16-bit samples stay 16-bit. A CRC error in any chunk is
 * an error, and so is data missing before IEND. The declared width × height is checked against
 * `max_pixels` before anything is allocated for the image.
 */
fk_image_status fk_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                              fk_decoded_image *out, char *message, size_t message_size);

/*
 * Decodes a baseline or progressive JPEG (8-bit samples) in gray (1 channel) or YCbCr/RGB
 * (3 channels, RGB) with libjpeg's defaults that Pillow also uses: the accurate integer IDCT
 * (JDCT_ISLOW) and fancy upsampling. CMYK, YCCK, samples of more than 8 bits and lossless or
 * hierarchical coding give FK_IMAGE_UNSUPPORTED.
 *
 * Every libjpeg warning about corrupt data (premature end of file, extraneous bytes, bad Huffman
 * codes, …) is an error rather than a grey patch in the image. A hostile progressive file cannot
 * make decoding run long: more than 1000 scans is an error. The declared size is checked against
 * `max_pixels` before decompression starts, and libjpeg's own memory is capped in proportion to
 * `max_pixels`.
 */
fk_image_status fk_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                               fk_decoded_image *out, char *message, size_t message_size);

/* Releases the pixels of an image returned by a decoder and zeroes `image`; safe to call on a
   zeroed image. */
void fk_image_free(fk_decoded_image *image);

/*
 * Encodes `width` × `height` 8-bit RGB pixels (`rgb` holds width · height · 3 bytes, row-major,
 * interleaved) as a non-interlaced PNG with zlib's default compression and libpng's adaptive
 * filtering.
 */
fk_image_status fk_png_encode_rgb8(const uint8_t *rgb, uint32_t width, uint32_t height,
                                   fk_encoded_bytes *out, char *message, size_t message_size);

/* Releases bytes returned by an encoder and zeroes `bytes`; safe to call on zeroed bytes. */
void fk_bytes_free(fk_encoded_bytes *bytes);

#ifdef __cplusplus
}
#endif

#endif
