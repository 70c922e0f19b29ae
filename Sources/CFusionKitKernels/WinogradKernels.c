#include "FusionKitKernels.h"
#include "ScalarMath.h"
#ifdef FK_X86
#include <immintrin.h>
#endif

/* The three steps of a Winograd F(2×2, 3×3) convolution (see WinogradConvolution.swift for the
 * formulas): the input transform of one padded plane, the 16 matrix products over the channels,
 * and the output transform of one output plane. Arrays indexed by the 16 positions ξ of a 4×4
 * block are stored position-major: element (ξ, row, tile) at ξ·positionStride + row·tiles +
 * tile, so that the tiles, the products' columns, are contiguous. */

typedef float fk_float4 __attribute__((vector_size(16)));
typedef float fk_float8 __attribute__((vector_size(32)));

FK_INLINE fk_float4 fk_load4(const float *p) { fk_float4 x; memcpy(&x, p, sizeof x); return x; }

/* Each 4×4 block as four row vectors: Bᵀ·d is four vector additions, and (Bᵀ·d)·B turns each
 * row x into (x0 − x2, x1 + x2, x2 − x1, x1 − x3) by two shuffles and one multiply-add by ±1. */
#define FK_WINOGRAD_INPUT_BODY                                                                 \
    {                                                                                          \
        const fk_float4 signs = {-1.0f, 1.0f, -1.0f, -1.0f};                                   \
        for (long tileRow = 0; tileRow < tileRows; tileRow++) {                                \
            const float *top = padded + 2 * tileRow * paddedWidth;                             \
            float *target = v + tileRow * tileColumns;                                         \
            for (long tile = 0; tile < tileColumns; tile++) {                                  \
                const float *d = top + 2 * tile;                                               \
                fk_float4 r0 = fk_load4(d), r1 = fk_load4(d + paddedWidth);                    \
                fk_float4 r2 = fk_load4(d + 2 * paddedWidth), r3 = fk_load4(d + 3 * paddedWidth); \
                fk_float4 rows[4] = {r0 - r2, r1 + r2, r2 - r1, r1 - r3};                      \
                for (int a = 0; a < 4; a++) {                                                  \
                    fk_float4 x = rows[a];                                                     \
                    fk_float4 y = __builtin_shufflevector(x, x, 0, 1, 2, 1)                    \
                                + __builtin_shufflevector(x, x, 2, 2, 1, 3) * signs;           \
                    for (int b = 0; b < 4; b++) target[(4 * a + b) * positionStride + tile] = y[b]; \
                }                                                                              \
            }                                                                                  \
        }                                                                                      \
    }

#define FK_WINOGRAD_INPUT_SIGNATURE(name)                                                      \
    void name(const float *__restrict padded, long paddedWidth, long tileRows, long tileColumns, \
              float *__restrict v, long positionStride)

/* Four output channels by sixteen tiles in registers, summed over the input channels in order;
 * a last one to three output channels one at a time. The tile count is a multiple of 16. */
#define FK_WINOGRAD_PRODUCTS_BODY                                                              \
    {                                                                                          \
        for (long position = 0; position < positions; position++) {                            \
            const float *weights = u + position * outChannels * channels;                      \
            const float *inputs = v + position * inputStride;                                  \
            float *products = m + position * productStride;                                    \
            for (long first = 0; first < tiles; first += 16) {                                 \
                long o = 0;                                                                    \
                for (; o + 4 <= outChannels; o += 4) {                                         \
                    float sums[4][16];                                                         \
                    for (int r = 0; r < 4; r++)                                                \
                        for (int j = 0; j < 16; j++) sums[r][j] = 0.0f;                        \
                    const float *w = weights + o * channels;                                   \
                    for (long c = 0; c < channels; c++) {                                      \
                        const float *line = inputs + c * tiles + first;                        \
                        for (int r = 0; r < 4; r++) {                                          \
                            float scale = w[r * channels + c];                                 \
                            for (int j = 0; j < 16; j++) sums[r][j] += scale * line[j];        \
                        }                                                                      \
                    }                                                                          \
                    for (int r = 0; r < 4; r++)                                                \
                        for (int j = 0; j < 16; j++) products[(o + r) * tiles + first + j] = sums[r][j]; \
                }                                                                              \
                for (; o < outChannels; o++) {                                                 \
                    float sums[16];                                                            \
                    for (int j = 0; j < 16; j++) sums[j] = 0.0f;                               \
                    for (long c = 0; c < channels; c++) {                                      \
                        const float *line = inputs + c * tiles + first;                        \
                        float scale = weights[o * channels + c];                               \
                        for (int j = 0; j < 16; j++) sums[j] += scale * line[j];               \
                    }                                                                          \
                    for (int j = 0; j < 16; j++) products[o * tiles + first + j] = sums[j];    \
                }                                                                              \
            }                                                                                  \
        }                                                                                      \
    }

#define FK_WINOGRAD_PRODUCTS_SIGNATURE(name)                                                   \
    void name(const float *__restrict u, const float *__restrict v, long inputStride,          \
              float *__restrict m, long productStride, long outChannels, long channels, long tiles,     \
              long positions)

/* Eight tiles at a time across the plane's tiles in order (their products are contiguous),
 * each tile's four outputs then stored in place (cropped on the last row or column of tiles of
 * an odd side); the last few tiles one at a time. Either way each output is the same sums in the
 * same order, plus the bias. */
#define FK_WINOGRAD_OUTPUT_BODY                                                                \
    {                                                                                          \
        long tileRows = (height + 1) / 2, count = tileRows * tileColumns;                      \
        long tile = 0, tileRow = 0, tileColumn = 0;                                            \
        for (; tile + 8 <= count; tile += 8) {                                                 \
            fk_float8 p[16];                                                                   \
            for (int position = 0; position < 16; position++)                                  \
                memcpy(&p[position], m + position * positionStride + tile, sizeof p[position]); \
            fk_float8 s0[4], s1[4];                                                            \
            for (int column = 0; column < 4; column++) {                                       \
                s0[column] = p[column] + p[4 + column] + p[8 + column];                        \
                s1[column] = p[4 + column] - p[8 + column] - p[12 + column];                   \
            }                                                                                  \
            fk_float8 y00 = s0[0] + s0[1] + s0[2] + bias, y01 = s0[1] - s0[2] - s0[3] + bias;  \
            fk_float8 y10 = s1[0] + s1[1] + s1[2] + bias, y11 = s1[1] - s1[2] - s1[3] + bias;  \
            /* Each tile's two outputs of a row side by side: tile k at 2k, 2k + 1. */         \
            fk_float8 pairs[4] = {__builtin_shufflevector(y00, y01, 0, 8, 1, 9, 2, 10, 3, 11), \
                                  __builtin_shufflevector(y00, y01, 4, 12, 5, 13, 6, 14, 7, 15), \
                                  __builtin_shufflevector(y10, y11, 0, 8, 1, 9, 2, 10, 3, 11), \
                                  __builtin_shufflevector(y10, y11, 4, 12, 5, 13, 6, 14, 7, 15)}; \
            float top[16], bottom[16];                                                         \
            memcpy(top, &pairs[0], 32);                                                        \
            memcpy(top + 8, &pairs[1], 32);                                                    \
            memcpy(bottom, &pairs[2], 32);                                                     \
            memcpy(bottom + 8, &pairs[3], 32);                                                 \
            for (int k = 0; k < 8; k++) {                                                      \
                long y = 2 * tileRow, x = 2 * tileColumn;                                      \
                float *line = plane + y * width + x;                                           \
                if (y + 1 < height && x + 1 < width) {                                         \
                    memcpy(line, top + 2 * k, 8);                                              \
                    memcpy(line + width, bottom + 2 * k, 8);                                   \
                } else {                                                                       \
                    /* The last row or column of tiles on an odd side. */                      \
                    line[0] = top[2 * k];                                                      \
                    if (x + 1 < width) line[1] = top[2 * k + 1];                               \
                    if (y + 1 < height) line[width] = bottom[2 * k];                           \
                }                                                                              \
                if (++tileColumn == tileColumns) { tileColumn = 0; tileRow++; }                \
            }                                                                                  \
        }                                                                                      \
        for (; tile < count; tile++) {                                                         \
            float s[8];                                                                        \
            for (int column = 0; column < 4; column++) {                                       \
                float m0 = m[column * positionStride + tile];                                  \
                float m1 = m[(4 + column) * positionStride + tile];                            \
                float m2 = m[(8 + column) * positionStride + tile];                            \
                float m3 = m[(12 + column) * positionStride + tile];                           \
                s[column] = m0 + m1 + m2;                                                      \
                s[4 + column] = m1 - m2 - m3;                                                  \
            }                                                                                  \
            long y = 2 * tileRow, x = 2 * tileColumn;                                          \
            for (int row = 0; row < 2 && y + row < height; row++) {                            \
                float *line = plane + (y + row) * width + x;                                   \
                line[0] = s[row * 4] + s[row * 4 + 1] + s[row * 4 + 2] + bias;                 \
                if (x + 1 < width) line[1] = s[row * 4 + 1] - s[row * 4 + 2] - s[row * 4 + 3] + bias; \
            }                                                                                  \
            if (++tileColumn == tileColumns) { tileColumn = 0; tileRow++; }                    \
        }                                                                                      \
    }

#define FK_WINOGRAD_OUTPUT_SIGNATURE(name)                                                     \
    void name(const float *__restrict m, long positionStride, float bias, float *__restrict plane, \
              long height, long width, long tileColumns)

static FK_WINOGRAD_INPUT_SIGNATURE(fk_winograd_input_baseline) FK_WINOGRAD_INPUT_BODY
static FK_WINOGRAD_PRODUCTS_SIGNATURE(fk_winograd_products_baseline) FK_WINOGRAD_PRODUCTS_BODY
static FK_WINOGRAD_OUTPUT_SIGNATURE(fk_winograd_output_baseline) FK_WINOGRAD_OUTPUT_BODY
#ifdef FK_X86
FK_AVX512 static FK_WINOGRAD_INPUT_SIGNATURE(fk_winograd_input_avx512) FK_WINOGRAD_INPUT_BODY
FK_AVX2 static FK_WINOGRAD_INPUT_SIGNATURE(fk_winograd_input_avx2) FK_WINOGRAD_INPUT_BODY
/* The products with AVX-512 registers: a block of 8 output channels × 32 tiles (16
 * accumulators, enough independent multiply-adds to cover their latency; the portable body's
 * 4 × 16 block leaves the FMA units half idle), then 16 × 16 and 8 × 16 for a last 16 tiles, and single
 * channels for the last outChannels % 8. Every output is the same sum over the channels in the
 * same order as in the portable body. */
/* While a block of R output channels is summed, one line of each of the next R channels'
 * weights per 16 channels (the next block lies right after this one, the next position's first
 * after a position's last), into L1 where it fits beside this block's rows. */
#define FK_PREFETCH_NEXT_ROWS(R, w, c)                                                         \
    if (((c) & 15) == 0 && (w) + 2 * (R) * channels <= end) {                                  \
        if (intoL1) {                                                                          \
            for (int r = 0; r < (R); r++) _mm_prefetch((const char *)((w) + ((R) + r) * channels + (c)), _MM_HINT_T0); \
        } else {                                                                               \
            for (int r = 0; r < (R); r++) _mm_prefetch((const char *)((w) + ((R) + r) * channels + (c)), _MM_HINT_T1); \
        }                                                                                      \
    }
FK_AVX512 static FK_WINOGRAD_PRODUCTS_SIGNATURE(fk_winograd_products_avx512) {
    const float *end = u + positions * outChannels * channels;
    for (long position = 0; position < positions; position++) {
        const float *weights = u + position * outChannels * channels;
        const float *inputs = v + position * inputStride;
        float *products = m + position * productStride;
        for (long first = 0; first < tiles; first += 32) {
            const int pair = tiles - first >= 32;
            long o = 0;
            /* A last 16 tiles (all of them for a 7 × 7 or 8 × 8 output at batch 1): 16 output
             * channels at a time keep 16 accumulators busy, as the pairs do. */
            for (; !pair && o + 16 <= outChannels; o += 16) {
                const float *w = weights + o * channels;
                const int intoL1 = fk_prefetch_into_l1(16, channels);
                __m512 sums[16];
                for (int r = 0; r < 16; r++) sums[r] = _mm512_setzero_ps();
                for (long c = 0; c < channels; c++) {
                    FK_PREFETCH_NEXT_ROWS(16, w, c)
                    __m512 x0 = _mm512_loadu_ps(inputs + c * tiles + first);
                    for (int r = 0; r < 16; r++) sums[r] = _mm512_fmadd_ps(_mm512_set1_ps(w[r * channels + c]), x0, sums[r]);
                }
                for (int r = 0; r < 16; r++) _mm512_storeu_ps(products + (o + r) * tiles + first, sums[r]);
            }
            for (; o + 8 <= outChannels; o += 8) {
                const float *w = weights + o * channels;
                const int intoL1 = fk_prefetch_into_l1(8, channels);
                __m512 low[8], high[8];
                for (int r = 0; r < 8; r++) low[r] = high[r] = _mm512_setzero_ps();
                if (pair) {
                    for (long c = 0; c < channels; c++) {
                        FK_PREFETCH_NEXT_ROWS(8, w, c)
                        const float *line = inputs + c * tiles + first;
                        __m512 x0 = _mm512_loadu_ps(line), x1 = _mm512_loadu_ps(line + 16);
                        for (int r = 0; r < 8; r++) {
                            __m512 scale = _mm512_set1_ps(w[r * channels + c]);
                            low[r] = _mm512_fmadd_ps(scale, x0, low[r]);
                            high[r] = _mm512_fmadd_ps(scale, x1, high[r]);
                        }
                    }
                } else {
                    for (long c = 0; c < channels; c++) {
                        FK_PREFETCH_NEXT_ROWS(8, w, c)
                        __m512 x0 = _mm512_loadu_ps(inputs + c * tiles + first);
                        for (int r = 0; r < 8; r++) low[r] = _mm512_fmadd_ps(_mm512_set1_ps(w[r * channels + c]), x0, low[r]);
                    }
                }
                for (int r = 0; r < 8; r++) {
                    _mm512_storeu_ps(products + (o + r) * tiles + first, low[r]);
                    if (pair) _mm512_storeu_ps(products + (o + r) * tiles + first + 16, high[r]);
                }
            }
            for (; o < outChannels; o++) {
                __m512 low = _mm512_setzero_ps(), high = _mm512_setzero_ps();
                for (long c = 0; c < channels; c++) {
                    const float *line = inputs + c * tiles + first;
                    __m512 scale = _mm512_set1_ps(weights[o * channels + c]);
                    low = _mm512_fmadd_ps(scale, _mm512_loadu_ps(line), low);
                    if (pair) high = _mm512_fmadd_ps(scale, _mm512_loadu_ps(line + 16), high);
                }
                _mm512_storeu_ps(products + o * tiles + first, low);
                if (pair) _mm512_storeu_ps(products + o * tiles + first + 16, high);
            }
        }
    }
}
FK_AVX2 static FK_WINOGRAD_PRODUCTS_SIGNATURE(fk_winograd_products_avx2) FK_WINOGRAD_PRODUCTS_BODY
FK_AVX512 static FK_WINOGRAD_OUTPUT_SIGNATURE(fk_winograd_output_avx512) FK_WINOGRAD_OUTPUT_BODY
FK_AVX2 static FK_WINOGRAD_OUTPUT_SIGNATURE(fk_winograd_output_avx2) FK_WINOGRAD_OUTPUT_BODY
#endif

FK_WINOGRAD_INPUT_SIGNATURE(fk_winograd_input) {
    FK_DISPATCH(fk_winograd_input, (padded, paddedWidth, tileRows, tileColumns, v, positionStride))
    fk_winograd_input_baseline(padded, paddedWidth, tileRows, tileColumns, v, positionStride);
}

FK_WINOGRAD_PRODUCTS_SIGNATURE(fk_winograd_products) {
    FK_DISPATCH(fk_winograd_products, (u, v, inputStride, m, productStride, outChannels, channels, tiles, positions))
    fk_winograd_products_baseline(u, v, inputStride, m, productStride, outChannels, channels, tiles, positions);
}

FK_WINOGRAD_OUTPUT_SIGNATURE(fk_winograd_output) {
    FK_DISPATCH(fk_winograd_output, (m, positionStride, bias, plane, height, width, tileColumns))
    fk_winograd_output_baseline(m, positionStride, bias, plane, height, width, tileColumns);
}
