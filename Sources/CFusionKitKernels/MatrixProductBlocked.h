/* The blocked product of MatrixProduct.c, compiled twice: there with FK_BLOCKED_EPILOGUE 0, and
 * in MatrixProductEpilogue.c with FK_BLOCKED_EPILOGUE 1, where each register block's store also
 * applies an epilogue (fk_product_epilogue). Two translation units on purpose: with the epilogue
 * beside them in one file, clang laid out the plain kernels' loops differently and every plain
 * product ran slower (measured in Docs/Benchmarks.md, "Batch norm folded, epilogue fused"). Everything
 * here is static: each file has its own copy, and its own packing buffers.
 *
 * Single-precision GEMM with AVX-512, for hosts whose OpenBLAS runs narrower kernels (see
 * fk_sgemm in FusionKitKernels.h). The classic blocked structure (Goto & van de Geijn, "Anatomy
 * of High-Performance Matrix Multiplication", 2008): B is packed KC rows by NC columns at a time
 * into strips of NR columns, and a register kernel multiplies one MR × KC strip of A by one
 * KC × NR strip of B into an MR × NR block of C held in 24 of the 32 vector registers (12 rows ×
 * two 16-float vectors). A is read where it lies, each element broadcast from its row, as
 * ONNX Runtime's MLAS does; only a transposed A is packed (MC rows by KC into strips of MR rows),
 * since its rows would be columns. */


#include "FusionKitKernels.h"
#include "ScalarMath.h"
#include <stdlib.h>
#include <string.h>

enum { FK_MR = 12, FK_NR = 32, FK_KC = 256, FK_MC = 144, FK_NC = 1024 };

#ifdef FK_X86
#include <immintrin.h>

#if FK_BLOCKED_EPILOGUE
#define FK_EPILOGUE_PARAMETERS , const fk_product_epilogue *epilogue, long row, long column
#define FK_EPILOGUE_ARGUMENTS(e, r, c) , e, r, c
#define FK_LOOP_EPILOGUE_PARAMETER , const fk_product_epilogue *epilogue
#else
#define FK_EPILOGUE_PARAMETERS
#define FK_EPILOGUE_ARGUMENTS(e, r, c)
#define FK_LOOP_EPILOGUE_PARAMETER
#endif

typedef float fk_float16 __attribute__((vector_size(64), aligned(64)));
typedef float fk_float16u __attribute__((vector_size(64), aligned(4)));

/* Packing buffers, one pair per thread, grown on demand and kept (a fresh allocation of this
 * size per call would be an mmap and its page faults). */
static _Thread_local float *fk_packed_a = NULL, *fk_packed_b = NULL;
static _Thread_local long fk_packed_a_size = 0, fk_packed_b_size = 0;

static float *fk_buffer(float **buffer, long *size, long needed) {
    if (*size < needed) {
        free(*buffer);
        *buffer = aligned_alloc(64, (size_t)((needed * sizeof(float) + 63) / 64 * 64));
        *size = *buffer ? needed : 0;
    }
    return *buffer;
}

/* Element (p, j) of op(B), row-major with its leading dimension. */
#define FK_B(p, j) (transB ? b[(j) * ldb + (p)] : b[(p) * ldb + (j)])

/* rows[0 .. 16] transposed in place: afterwards rows[j] holds element j of each former row. Three
 * rounds of shuffles: pairs of rows interleaved, then quadruples within each 128-bit lane, then
 * the lanes themselves. */
FK_AVX512 static inline void fk_transpose16(__m512 rows[16]) {
    __m512 t[16], u[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(rows[2 * i], rows[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(rows[2 * i], rows[2 * i + 1]);
    }
    /* rows[4g + c], lane L: column 4L + c of rows 4g .. 4g + 3. */
    for (int g = 0; g < 4; g++) {
        rows[4 * g] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
        rows[4 * g + 1] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0xEE);
        rows[4 * g + 2] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
        rows[4 * g + 3] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xEE);
    }
    for (int c = 0; c < 4; c++) {
        u[c] = _mm512_shuffle_f32x4(rows[c], rows[4 + c], 0x88);      /* lanes 0, 2 of groups 0, 1 */
        u[4 + c] = _mm512_shuffle_f32x4(rows[c], rows[4 + c], 0xDD);  /* lanes 1, 3 of groups 0, 1 */
        u[8 + c] = _mm512_shuffle_f32x4(rows[8 + c], rows[12 + c], 0x88);
        u[12 + c] = _mm512_shuffle_f32x4(rows[8 + c], rows[12 + c], 0xDD);
    }
    for (int c = 0; c < 4; c++) {
        rows[c] = _mm512_shuffle_f32x4(u[c], u[8 + c], 0x88);           /* lane 0 */
        rows[8 + c] = _mm512_shuffle_f32x4(u[c], u[8 + c], 0xDD);       /* lane 2 */
        rows[4 + c] = _mm512_shuffle_f32x4(u[4 + c], u[12 + c], 0x88);  /* lane 1 */
        rows[12 + c] = _mm512_shuffle_f32x4(u[4 + c], u[12 + c], 0xDD); /* lane 3 */
    }
}

/* B[p0 .. p0 + kc, j0 .. j0 + nc] into strips of FK_NR columns: strip s holds row p's FK_NR
 * entries at s·kc·FK_NR + p·FK_NR, zero past column nc. */
FK_AVX512 static void fk_pack_b(int transB, const float *b, long ldb, long p0, long kc, long j0, long nc, float *packed) {
    for (long s = 0; s * FK_NR < nc; s++) {
        long first = j0 + s * FK_NR, width = nc - s * FK_NR < FK_NR ? nc - s * FK_NR : FK_NR;
        float *strip = packed + s * kc * FK_NR;
        if (!transB && width == FK_NR) {
            for (long p = 0; p < kc; p++) memcpy(strip + p * FK_NR, b + (p0 + p) * ldb + first, FK_NR * sizeof(float));
        } else if (transB && width == FK_NR) {
            /* Bᵀ's rows are B's columns: 16 × 16 blocks transposed in registers, then the rest
             * of the depth one element at a time. */
            long body = kc / 16 * 16;
            for (long p = 0; p < body; p += 16) {
                for (int half = 0; half < 2; half++) {
                    __m512 block[16];
                    for (int j = 0; j < 16; j++) block[j] = _mm512_loadu_ps(b + (first + half * 16 + j) * ldb + p0 + p);
                    fk_transpose16(block);
                    for (int q = 0; q < 16; q++) _mm512_storeu_ps(strip + (p + q) * FK_NR + half * 16, block[q]);
                }
            }
            for (long p = body; p < kc; p++) {
                for (long j = 0; j < FK_NR; j++) strip[p * FK_NR + j] = FK_B(p0 + p, first + j);
            }
        } else {
            for (long p = 0; p < kc; p++) {
                for (long j = 0; j < width; j++) strip[p * FK_NR + j] = FK_B(p0 + p, first + j);
                for (long j = width; j < FK_NR; j++) strip[p * FK_NR + j] = 0.0f;
            }
        }
    }
}

/* op(A)[i0 .. i0 + mc, p0 .. p0 + kc] of a transposed A (stored [k, m], so op(A)'s rows are its
 * columns) into strips of FK_MR rows: strip s holds column p's FK_MR entries at
 * s·kc·FK_MR + p·FK_MR, zero past row mc. (A not transposed is read in place: fk_block_direct.) */
FK_AVX512 static void fk_pack_transposed_a(const float *a, long lda, long i0, long mc, long p0, long kc, float *packed) {
    for (long s = 0; s * FK_MR < mc; s++) {
        long first = i0 + s * FK_MR, height = mc - s * FK_MR < FK_MR ? mc - s * FK_MR : FK_MR;
        float *strip = packed + s * kc * FK_MR;
        if (height == FK_MR) {
            for (long p = 0; p < kc; p++) memcpy(strip + p * FK_MR, a + (p0 + p) * lda + first, FK_MR * sizeof(float));
        } else {
            for (long r = 0; r < height; r++) {
                for (long p = 0; p < kc; p++) strip[p * FK_MR + r] = a[(p0 + p) * lda + first + r];
            }
            for (long r = height; r < FK_MR; r++) {
                for (long p = 0; p < kc; p++) strip[p * FK_MR + r] = 0.0f;
            }
        }
    }
}


#if FK_BLOCKED_EPILOGUE
/* What an absent bias or residual reads: a block's worth of zeros. */
static const float fk_zeros[FK_NR] __attribute__((aligned(64))) = {0};
#endif

/* The register block, scaled by alpha, into C (added to beta·C unless beta is 0); rows and columns
 * past the product are dropped. With the epilogue (FK_BLOCKED_EPILOGUE; given only on the last
 * block of the depth, when the sums are complete; `row` and `column` are the block's place in C),
 * each entry then gains its row's bias and its residual and is clamped at zero while still in
 * registers. Always inlined: as a call, the 24 sums went through memory. */
FK_AVX512 static inline __attribute__((always_inline)) void fk_store(fk_float16 sums[FK_MR][2], float *c, long ldc,
                                                                      long rows, long columns, float alpha, float beta
                                                                      FK_EPILOGUE_PARAMETERS) {
#if FK_BLOCKED_EPILOGUE
    /* An absent bias or residual reads zeros rather than being skipped element by element:
     * clang turns such a skip into a masked load from the null pointer, which this CPU serves
     * by a slow assist on every load (Docs/Benchmarks.md, "Batch norm folded, epilogue fused"). */
    const float *shifts = epilogue && epilogue->bias ? epilogue->bias + row : fk_zeros;
    const float *residual = epilogue && epilogue->residual ? epilogue->residual + row * epilogue->residualStride + column : NULL;
    if (epilogue && rows == FK_MR && columns == FK_NR) {
        const fk_float16 zero = (fk_float16){0};
        /* Unrolled, as every loop over the sums: otherwise they live in memory (see above). */
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < FK_MR; r++) {
            fk_float16u *line = (fk_float16u *)(c + r * ldc);
            fk_float16 low = alpha * sums[r][0], high = alpha * sums[r][1];
            if (beta != 0.0f) {
                low += beta * line[0];
                high += beta * line[1];
            }
            float shift = shifts[r];
            low += shift;
            high += shift;
            const float *added = residual ? residual + r * epilogue->residualStride : fk_zeros;
            low += *(const fk_float16u *)added;
            high += *(const fk_float16u *)(added + 16);
            if (epilogue->relu) {
                /* max(0, v) keeps a NaN v (the second operand wins when either is NaN). */
                low = (fk_float16)_mm512_max_ps((__m512)zero, (__m512)low);
                high = (fk_float16)_mm512_max_ps((__m512)zero, (__m512)high);
            }
            line[0] = low;
            line[1] = high;
        }
        return;
    }
#endif
    if (rows == FK_MR && columns == FK_NR) {
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < FK_MR; r++) {
            fk_float16u *line = (fk_float16u *)(c + r * ldc);
            if (beta == 0.0f) {
                line[0] = alpha * sums[r][0];
                line[1] = alpha * sums[r][1];
            } else {
                line[0] = alpha * sums[r][0] + beta * line[0];
                line[1] = alpha * sums[r][1] + beta * line[1];
            }
        }
        return;
    }
    float tile[FK_MR][FK_NR] __attribute__((aligned(64)));
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < FK_MR; r++) {
        *(fk_float16 *)&tile[r][0] = sums[r][0];
        *(fk_float16 *)&tile[r][16] = sums[r][1];
    }
    for (long r = 0; r < rows; r++) {
#if FK_BLOCKED_EPILOGUE
        /* In the same loop as the store: a second pass reading back what this one stored
         * element by element stalls on every vector load (store forwarding fails). */
        if (epilogue) {
            float shift = shifts[r];
            const float *added = residual ? residual + r * epilogue->residualStride : fk_zeros;
            for (long j = 0; j < columns; j++) {
                float *target = c + r * ldc + j;
                float v = beta == 0.0f ? alpha * tile[r][j] : alpha * tile[r][j] + beta * *target;
                v += shift;
                v += added[j];
                *target = epilogue->relu && v < 0.0f ? 0.0f : v;
            }
            continue;
        }
#endif
        for (long j = 0; j < columns; j++) {
            float *target = c + r * ldc + j;
            *target = beta == 0.0f ? alpha * tile[r][j] : alpha * tile[r][j] + beta * *target;
        }
    }
}

/* As fk_store for a block of 16 columns (one vector per row, `columns` of them kept). */
FK_AVX512 static inline __attribute__((always_inline)) void fk_store_half(fk_float16 sums[FK_MR], float *c, long ldc,
                                                                           long rows, long columns, float alpha, float beta
                                                                           FK_EPILOGUE_PARAMETERS) {
    __mmask16 lanes = columns >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << columns) - 1u);
#if FK_BLOCKED_EPILOGUE
    const float *shifts = epilogue && epilogue->bias ? epilogue->bias + row : fk_zeros;
    const float *residual = epilogue && epilogue->residual ? epilogue->residual + row * epilogue->residualStride + column : NULL;
#endif
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < FK_MR; r++) {
        if (r >= rows) break;
        float *line = c + r * ldc;
        __m512 v = _mm512_mul_ps(_mm512_set1_ps(alpha), (__m512)sums[r]);
        if (beta != 0.0f) v = _mm512_fmadd_ps(_mm512_set1_ps(beta), _mm512_maskz_loadu_ps(lanes, line), v);
#if FK_BLOCKED_EPILOGUE
        if (epilogue) {
            v = _mm512_add_ps(v, _mm512_set1_ps(shifts[r]));
            const float *added = residual ? residual + r * epilogue->residualStride : fk_zeros;
            v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(lanes, added));
            if (epilogue->relu) v = _mm512_max_ps(_mm512_setzero_ps(), v);
        }
#endif
        _mm512_mask_storeu_ps(line, lanes, v);
    }
}

/* C[0 .. rows, 0 .. columns] = alpha · (A strip · B strip) + beta · C (C not read when beta is 0).
 * The B strip's rows lie bStride floats apart: FK_NR when packed, B's own row stride when read
 * in place. */
FK_AVX512 static void fk_block(long kc, const float *a, const float *b, long bStride, float *c, long ldc, long rows,
                               long columns, float alpha, float beta FK_EPILOGUE_PARAMETERS) {
    fk_float16 sums[FK_MR][2];
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < FK_MR; r++) sums[r][0] = sums[r][1] = (fk_float16){0};
    for (long p = 0; p < kc; p++) {
        fk_float16 b0 = *(const fk_float16u *)(b + p * bStride), b1 = *(const fk_float16u *)(b + p * bStride + 16);
        const float *column = a + p * FK_MR;
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < FK_MR; r++) {
            /* A broadcast from memory: written `(fk_float16){0} + column[r]`, clang kept the
             * addition of zero (it changes −0) and broadcast from a register, two more
             * operations per row on the vector pipes (Docs/Benchmarks.md, "Batch norm folded,
             * epilogue fused"). */
            fk_float16 x = (fk_float16)_mm512_set1_ps(column[r]);
            sums[r][0] += x * b0;
            sums[r][1] += x * b1;
        }
    }
    fk_store(sums, c, ldc, rows, columns, alpha, beta FK_EPILOGUE_ARGUMENTS(epilogue, row, column));
}

/* As fk_block, with A read where it lies (not transposed, row r at a + r·lda) instead of from a
 * packed strip: rows past `rows` repeat the last row and their sums are dropped. The two stay
 * separate functions, each with one way of addressing A, on purpose: how clang lays out these
 * loops decides the speed, and a third full-width variant beside them slowed every product
 * (Docs/Benchmarks.md, "A read in place, Bᵀ packed by 16 × 16 transposes"); the half-width
 * fk_block_direct_half below left the others' products unchanged (same file, "Strip endings and
 * weights prefetched"). `next`, when not NULL, is the panel of A the next call will read: it is
 * prefetched while this one computes. */
FK_AVX512 static void fk_block_direct(long kc, const float *a, long lda, const float *b, long bStride, float *c,
                                      long ldc, long rows, long columns, float alpha, float beta, const float *next,
                                      int nextIntoL1 FK_EPILOGUE_PARAMETERS) {
    fk_float16 sums[FK_MR][2];
    const float *line[FK_MR];
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < FK_MR; r++) {
        sums[r][0] = sums[r][1] = (fk_float16){0};
        line[r] = a + (r < rows ? r : rows - 1) * lda;
    }
    for (long p = 0; p < kc; p++) {
        if (next && (p & 15) == 0) {
            /* One line of each row of the next panel per 16 steps: all of it by the end, into L1
             * where it fits beside this panel (fk_prefetch_into_l1), else into L2. */
            if (nextIntoL1) {
                _Pragma("clang loop unroll(full)")
                for (int r = 0; r < FK_MR; r++) _mm_prefetch((const char *)(next + r * lda + p), _MM_HINT_T0);
            } else {
                _Pragma("clang loop unroll(full)")
                for (int r = 0; r < FK_MR; r++) _mm_prefetch((const char *)(next + r * lda + p), _MM_HINT_T1);
            }
        }
        fk_float16 b0 = *(const fk_float16u *)(b + p * bStride), b1 = *(const fk_float16u *)(b + p * bStride + 16);
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < FK_MR; r++) {
            fk_float16 x = (fk_float16)_mm512_set1_ps(line[r][p]); /* as in fk_block */
            sums[r][0] += x * b0;
            sums[r][1] += x * b1;
        }
    }
    fk_store(sums, c, ldc, rows, columns, alpha, beta FK_EPILOGUE_ARGUMENTS(epilogue, row, column));
}

/* As fk_block_direct for a strip of at most 16 columns (read with bStride as a packed strip):
 * half the register block, so a remainder of 9 to 16 columns costs 16 lanes rather than 32. */
FK_AVX512 static void fk_block_direct_half(long kc, const float *a, long lda, const float *b, long bStride, float *c,
                                           long ldc, long rows, long columns, float alpha, float beta FK_EPILOGUE_PARAMETERS) {
    fk_float16 sums[FK_MR];
    const float *line[FK_MR];
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < FK_MR; r++) {
        sums[r] = (fk_float16){0};
        line[r] = a + (r < rows ? r : rows - 1) * lda;
    }
    for (long p = 0; p < kc; p++) {
        fk_float16 b0 = *(const fk_float16u *)(b + p * bStride);
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < FK_MR; r++) sums[r] += (fk_float16)_mm512_set1_ps(line[r][p]) * b0;
    }
    fk_store_half(sums, c, ldc, rows, columns, alpha, beta FK_EPILOGUE_ARGUMENTS(epilogue, row, column));
}

/* Columns first .. first + C of C[0 .. rows, ·] = alpha · A · Bᵀ + beta · C, each entry the dot
 * product of a row of A (read where it lies) and a row of `bt` (a column of B), 16 terms at a
 * time; R rows by C columns at once (R·C = 16 sums in registers), a group past the last row
 * repeating that row with its sums dropped. Inlined with constant R and C. */
FK_AVX512 static inline __attribute__((always_inline)) void fk_dot_tile(long kc, const float *a, long lda, const float *bt,
                                                                         long btStride, float *c, long ldc, long rows,
                                                                         long first, const int R, const int C, float alpha,
                                                                         float beta FK_EPILOGUE_PARAMETERS) {
    long body = kc / 16 * 16;
    __mmask16 tail = (__mmask16)((1u << (kc - body)) - 1u);
    for (long i0 = 0; i0 < rows; i0 += R) {
        const float *x[16], *y[4];
        __m512 sums[16][4];
        for (int i = 0; i < R; i++) {
            x[i] = a + (i0 + i < rows ? i0 + i : rows - 1) * lda;
            for (int j = 0; j < C; j++) sums[i][j] = _mm512_setzero_ps();
        }
        for (int j = 0; j < C; j++) y[j] = bt + (first + j) * btStride;
        for (long p = 0; p < body; p += 16) {
            __m512 v[4], u[16];
            for (int j = 0; j < C; j++) v[j] = _mm512_loadu_ps(y[j] + p);
            for (int i = 0; i < R; i++) {
                u[i] = _mm512_loadu_ps(x[i] + p);
                for (int j = 0; j < C; j++) sums[i][j] = _mm512_fmadd_ps(u[i], v[j], sums[i][j]);
            }
        }
        if (tail) {
            __m512 v[4], u[16];
            for (int j = 0; j < C; j++) v[j] = _mm512_maskz_loadu_ps(tail, y[j] + body);
            for (int i = 0; i < R; i++) {
                u[i] = _mm512_maskz_loadu_ps(tail, x[i] + body);
                for (int j = 0; j < C; j++) sums[i][j] = _mm512_fmadd_ps(u[i], v[j], sums[i][j]);
            }
        }
        for (int i = 0; i < R && i0 + i < rows; i++) {
            for (int j = 0; j < C; j++) {
                float *target = c + (i0 + i) * ldc + first + j;
                float value = alpha * _mm512_reduce_add_ps(sums[i][j]);
                if (beta != 0.0f) value += beta * *target;
#if FK_BLOCKED_EPILOGUE
                if (epilogue) {
                    if (epilogue->bias) value += epilogue->bias[row + i0 + i];
                    if (epilogue->residual) value += epilogue->residual[(row + i0 + i) * epilogue->residualStride + column + first + j];
                    if (epilogue->relu && value < 0.0f) value = 0.0f;
                }
#endif
                *target = value;
            }
        }
    }
}

/* C[0 .. rows, 0 .. columns] = alpha · A · Bᵀ + beta · C for the last few columns of a block (at
 * most FK_DOT_TAIL), by dot products (fk_dot_tile): four columns at a time, then two, then one.
 * Called on the A block the strips just used, so A comes from the cache; a padded strip would
 * spend 32 lanes on these columns. */
enum { FK_DOT_TAIL = 8 };
FK_AVX512 static void fk_dot_block(long kc, const float *a, long lda, const float *bt, long btStride, float *c, long ldc,
                                   long rows, long columns, float alpha, float beta FK_EPILOGUE_PARAMETERS) {
    long j = 0;
    for (; j + 4 <= columns; j += 4)
        fk_dot_tile(kc, a, lda, bt, btStride, c, ldc, rows, j, 4, 4, alpha, beta FK_EPILOGUE_ARGUMENTS(epilogue, row, column));
    if (columns - j >= 2) {
        fk_dot_tile(kc, a, lda, bt, btStride, c, ldc, rows, j, 8, 2, alpha, beta FK_EPILOGUE_ARGUMENTS(epilogue, row, column));
        j += 2;
    }
    if (columns - j == 1)
        fk_dot_tile(kc, a, lda, bt, btStride, c, ldc, rows, j, 16, 1, alpha, beta FK_EPILOGUE_ARGUMENTS(epilogue, row, column));
}

/* How many of a block's nc columns the strips leave to fk_dot_block: with A not transposed and
 * a depth of at least FK_DOT_TAIL_DEPTH (each dot product ends in a horizontal sum of about ten
 * instructions), a remainder of 1–8 columns, or the part of a 17–24 remainder past its half
 * strip. Without them, a last strip of at most 16 columns is a half strip (fk_block_direct_half)
 * and a wider one a padded strip. The same for every block of the depth. */
enum { FK_DOT_TAIL_DEPTH = 64 };
static inline long fk_dot_columns(int transA, long nc, long k) {
    long rest = nc % FK_NR;
    if (transA || k < FK_DOT_TAIL_DEPTH) return 0;
    if (rest <= FK_DOT_TAIL) return rest;
    if (rest > 16 && rest <= 16 + FK_DOT_TAIL) return rest - 16;
    return 0;
}

/* Bᵀ's rows for the columns fk_dot_block computes, where B is not transposed. */
static _Thread_local float *fk_tail_b = NULL;
static _Thread_local long fk_tail_b_size = 0;

/* The blocked product; returns the FK_SGEMM_RAN_… bits of the strip endings it used. */
FK_AVX512 static int fk_sgemm_avx512(int transA, int transB, long m, long n, long k, float alpha, const float *a,
                                     long lda, const float *b, long ldb, float beta, float *c, long ldc, int inPlace
                                     FK_LOOP_EPILOGUE_PARAMETER) {
    int ran = 0;
    /* A is read in place, from memory the first time: while the first strip multiplies one
     * panel of 12 rows, fk_block_direct prefetches the next (the hardware's prefetchers, seeing
     * 12 short streams of one block's depth each, start too late). */
    int nextIntoL1 = fk_prefetch_into_l1(FK_MR, lda);
    long kcMax = k < FK_KC ? k : FK_KC;
    long ncMax = (n < FK_NC ? n : FK_NC), mcMax = (m < FK_MC ? m : FK_MC);
    float *packedB = fk_buffer(&fk_packed_b, &fk_packed_b_size, kcMax * ((ncMax + FK_NR - 1) / FK_NR * FK_NR));
    /* Only a transposed A is packed. */
    float *packedA = transA ? fk_buffer(&fk_packed_a, &fk_packed_a_size, kcMax * ((mcMax + FK_MR - 1) / FK_MR * FK_MR)) : NULL;
    if ((transA && !packedA) || !packedB) abort();
    for (long j0 = 0; j0 < n; j0 += FK_NC) {
        long nc = n - j0 < FK_NC ? n - j0 : FK_NC;
        for (long p0 = 0; p0 < k; p0 += FK_KC) {
            long kc = k - p0 < FK_KC ? k - p0 : FK_KC;
            float blockBeta = p0 == 0 ? beta : 1.0f;
#if FK_BLOCKED_EPILOGUE
            /* The epilogue on the last block of the depth, when the sums are complete. */
            const fk_product_epilogue *blockEpilogue = p0 + kc >= k ? epilogue : NULL;
#endif
            /* In place (B not transposed, few rows of A or a B that stays in the cache): B is
             * read where it lies (its rows are contiguous) and only a last strip narrower than
             * FK_NR is packed. */
            long dots = fk_dot_columns(transA, nc, k), stripped = nc - dots, whole = stripped / FK_NR * FK_NR;
            if (!inPlace) fk_pack_b(transB, b, ldb, p0, kc, j0, stripped, packedB);
            else if (whole < stripped)
                fk_pack_b(transB, b, ldb, p0, kc, j0 + whole, stripped - whole, packedB + whole / FK_NR * kc * FK_NR);
            const float *tail = NULL;
            long tailStride = kc;
            if (dots && transB) {
                tail = b + (j0 + stripped) * ldb + p0;
                tailStride = ldb;
            } else if (dots) {
                float *packed = fk_buffer(&fk_tail_b, &fk_tail_b_size, FK_DOT_TAIL * kcMax);
                if (!packed) abort();
                for (long p = 0; p < kc; p++)
                    for (long j = 0; j < dots; j++) packed[j * kc + p] = b[(p0 + p) * ldb + j0 + stripped + j];
                tail = packed;
            }
            for (long i0 = 0; i0 < m; i0 += FK_MC) {
                long mc = m - i0 < FK_MC ? m - i0 : FK_MC;
                /* A not transposed is read where it lies (its rows are contiguous in p): packing it
                 * would be one more pass over A, a scalar transpose (measured in Docs/Benchmarks.md,
                 * "A read in place, Bᵀ packed by 16 × 16 transposes"). */
                if (transA) fk_pack_transposed_a(a, lda, i0, mc, p0, kc, packedA);
                for (long js = 0; js * FK_NR < stripped; js++) {
                    long columns = stripped - js * FK_NR < FK_NR ? stripped - js * FK_NR : FK_NR;
                    int direct = inPlace && columns == FK_NR;
                    const float *strip = direct ? b + p0 * ldb + j0 + js * FK_NR : packedB + js * kc * FK_NR;
                    for (long is = 0; is * FK_MR < mc; is++) {
                        long rows = mc - is * FK_MR < FK_MR ? mc - is * FK_MR : FK_MR;
                        if (!transA && columns <= 16) {
                            ran |= FK_SGEMM_RAN_HALF_STRIP;
                            fk_block_direct_half(kc, a + (i0 + is * FK_MR) * lda + p0, lda, packedB + js * kc * FK_NR, FK_NR,
                                                 c + (i0 + is * FK_MR) * ldc + j0 + js * FK_NR, ldc, rows, columns, alpha, blockBeta
                                                 FK_EPILOGUE_ARGUMENTS(blockEpilogue, i0 + is * FK_MR, j0 + js * FK_NR));
                        } else if (!transA)
                            fk_block_direct(kc, a + (i0 + is * FK_MR) * lda + p0, lda, strip, direct ? ldb : FK_NR,
                                                c + (i0 + is * FK_MR) * ldc + j0 + js * FK_NR, ldc, rows, columns, alpha, blockBeta,
                                                js == 0 && i0 + (is + 1) * FK_MR + FK_MR <= m ? a + (i0 + (is + 1) * FK_MR) * lda + p0 : NULL,
                                                nextIntoL1
                                            FK_EPILOGUE_ARGUMENTS(blockEpilogue, i0 + is * FK_MR, j0 + js * FK_NR));
                        else
                            fk_block(kc, packedA + is * kc * FK_MR, strip, direct ? ldb : FK_NR,
                                     c + (i0 + is * FK_MR) * ldc + j0 + js * FK_NR, ldc, rows, columns, alpha, blockBeta
                                            FK_EPILOGUE_ARGUMENTS(blockEpilogue, i0 + is * FK_MR, j0 + js * FK_NR));
                    }
                }
                if (dots) {
                    ran |= FK_SGEMM_RAN_DOT_COLUMNS;
                    fk_dot_block(kc, a + i0 * lda + p0, lda, tail, tailStride, c + i0 * ldc + j0 + stripped, ldc, mc, dots,
                                 alpha, blockBeta FK_EPILOGUE_ARGUMENTS(blockEpilogue, i0, j0 + stripped));
                }
            }
        }
    }
    return ran;
}
#endif
