#include "FusionKitKernels.h"
#include "ScalarMath.h"
#include <stdatomic.h>
#ifdef FK_X86
#include <immintrin.h>
#endif
#include <stdlib.h>

/* Single-precision GEMM with AVX-512, for hosts whose OpenBLAS runs narrower kernels (see
 * fk_sgemm in FusionKitKernels.h). The classic blocked structure (Goto & van de Geijn, "Anatomy
 * of High-Performance Matrix Multiplication", 2008): B is packed KC rows by NC columns at a time
 * into strips of NR columns, and a register kernel multiplies one MR × KC strip of A by one
 * KC × NR strip of B into an MR × NR block of C held in 24 of the 32 vector registers (12 rows ×
 * two 16-float vectors). A is read where it lies, each element broadcast from its row, as
 * ONNX Runtime's MLAS does; only a transposed A is packed (MC rows by KC into strips of MR rows),
 * since its rows would be columns. */

enum { FK_MR = 12, FK_NR = 32, FK_KC = 256, FK_MC = 144, FK_NC = 1024 };

#ifdef FK_X86
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

/* The register block, scaled by alpha, into C (added to beta·C unless beta is 0); rows and columns
 * past the product are dropped. Always inlined: as a call, the 24 sums went through memory. */
FK_AVX512 static inline __attribute__((always_inline)) void fk_store(fk_float16 sums[FK_MR][2], float *c, long ldc,
                                                                      long rows, long columns, float alpha, float beta) {
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
        for (long j = 0; j < columns; j++) {
            float *target = c + r * ldc + j;
            *target = beta == 0.0f ? alpha * tile[r][j] : alpha * tile[r][j] + beta * *target;
        }
    }
}

/* C[0 .. rows, 0 .. columns] = alpha · (A strip · B strip) + beta · C (C not read when beta is 0).
 * The B strip's rows lie bStride floats apart: FK_NR when packed, B's own row stride when read
 * in place. */
FK_AVX512 static void fk_block(long kc, const float *a, const float *b, long bStride, float *c, long ldc, long rows,
                               long columns, float alpha, float beta) {
    fk_float16 sums[FK_MR][2];
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < FK_MR; r++) sums[r][0] = sums[r][1] = (fk_float16){0};
    for (long p = 0; p < kc; p++) {
        fk_float16 b0 = *(const fk_float16u *)(b + p * bStride), b1 = *(const fk_float16u *)(b + p * bStride + 16);
        const float *column = a + p * FK_MR;
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < FK_MR; r++) {
            fk_float16 x = (fk_float16){0} + column[r];
            sums[r][0] += x * b0;
            sums[r][1] += x * b1;
        }
    }
    fk_store(sums, c, ldc, rows, columns, alpha, beta);
}

/* As fk_block, with A read where it lies (not transposed, row r at a + r·lda) instead of from a
 * packed strip: rows past `rows` repeat the last row and their sums are dropped. The two stay
 * separate functions, each with one way of addressing A, on purpose: how clang lays out these
 * loops decides the speed, and a third block variant beside them slowed every product
 * (Docs/Benchmarks.md, "A read in place, Bᵀ packed by 16 × 16 transposes"). */
FK_AVX512 static void fk_block_direct(long kc, const float *a, long lda, const float *b, long bStride, float *c,
                                      long ldc, long rows, long columns, float alpha, float beta) {
    fk_float16 sums[FK_MR][2];
    const float *line[FK_MR];
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < FK_MR; r++) {
        sums[r][0] = sums[r][1] = (fk_float16){0};
        line[r] = a + (r < rows ? r : rows - 1) * lda;
    }
    for (long p = 0; p < kc; p++) {
        fk_float16 b0 = *(const fk_float16u *)(b + p * bStride), b1 = *(const fk_float16u *)(b + p * bStride + 16);
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < FK_MR; r++) {
            fk_float16 x = (fk_float16){0} + line[r][p];
            sums[r][0] += x * b0;
            sums[r][1] += x * b1;
        }
    }
    fk_store(sums, c, ldc, rows, columns, alpha, beta);
}

/* A·Bᵀ for few rows of A, where packing B (n·k floats gathered across rows of Bᵀ on every call)
 * would cost more than the products: each C[i, j] is the dot product of row i of A and row j of
 * Bᵀ, both contiguous, 16 terms at a time. Blocks of 4 rows of A by 6 rows of Bᵀ keep 24 partial
 * sums in registers; the 6 rows of Bᵀ stay in L1 while all rows of A pass. A block past the last
 * row repeats the last row and its sums are dropped. */
enum { FK_DOT_ROWS = 4, FK_DOT_COLUMNS = 6 };
/* fk_sgemm_choice picks dot products for A·Bᵀ from this depth (shorter dot products spend their
 * time in the final horizontal sums) when A has fewer rows than one register block, or Bᵀ fewer
 * rows than one strip (the packed kernel would pad them), or the depth is at least
 * FK_DOT_DEPTH_PER_ROW per row of A plus FK_DOT_DEPTH_BASE (packing Bᵀ, n·k floats, then costs
 * more than the packed kernel gains over the dot products); elsewhere the packed kernel is faster
 * (measured in Docs/Benchmarks.md, "A read in place, Bᵀ packed by 16 × 16 transposes"). */
enum { FK_DOT_MIN_DEPTH = 32, FK_DOT_DEPTH_PER_ROW = 8, FK_DOT_DEPTH_BASE = 128 };

FK_AVX512 static void fk_sgemm_nt_dot(long m, long n, long k, float alpha, const float *a, long lda, const float *b,
                                      long ldb, float beta, float *c, long ldc) {
    long body = k / 16 * 16;
    __mmask16 tail = (__mmask16)((1u << (k - body)) - 1u);
    for (long j0 = 0; j0 < n; j0 += FK_DOT_COLUMNS) {
        const float *columns[FK_DOT_COLUMNS];
        for (int j = 0; j < FK_DOT_COLUMNS; j++) columns[j] = b + (j0 + j < n ? j0 + j : n - 1) * ldb;
        for (long i0 = 0; i0 < m; i0 += FK_DOT_ROWS) {
            const float *rows[FK_DOT_ROWS];
            for (int i = 0; i < FK_DOT_ROWS; i++) rows[i] = a + (i0 + i < m ? i0 + i : m - 1) * lda;
            __m512 sums[FK_DOT_ROWS][FK_DOT_COLUMNS];
            for (int i = 0; i < FK_DOT_ROWS; i++)
                for (int j = 0; j < FK_DOT_COLUMNS; j++) sums[i][j] = _mm512_setzero_ps();
            for (long p = 0; p < body; p += 16) {
                __m512 x[FK_DOT_ROWS];
                for (int i = 0; i < FK_DOT_ROWS; i++) x[i] = _mm512_loadu_ps(rows[i] + p);
                for (int j = 0; j < FK_DOT_COLUMNS; j++) {
                    __m512 y = _mm512_loadu_ps(columns[j] + p);
                    for (int i = 0; i < FK_DOT_ROWS; i++) sums[i][j] = _mm512_fmadd_ps(x[i], y, sums[i][j]);
                }
            }
            if (tail) {
                __m512 x[FK_DOT_ROWS];
                for (int i = 0; i < FK_DOT_ROWS; i++) x[i] = _mm512_maskz_loadu_ps(tail, rows[i] + body);
                for (int j = 0; j < FK_DOT_COLUMNS; j++) {
                    __m512 y = _mm512_maskz_loadu_ps(tail, columns[j] + body);
                    for (int i = 0; i < FK_DOT_ROWS; i++) sums[i][j] = _mm512_fmadd_ps(x[i], y, sums[i][j]);
                }
            }
            for (int i = 0; i < FK_DOT_ROWS && i0 + i < m; i++) {
                float *line = c + (i0 + i) * ldc + j0;
                for (int j = 0; j < FK_DOT_COLUMNS && j0 + j < n; j++) {
                    float total = alpha * _mm512_reduce_add_ps(sums[i][j]);
                    line[j] = beta == 0.0f ? total : total + beta * line[j];
                }
            }
        }
    }
}

/* C (m × 1) = alpha·op(A)·b + beta·C, one column of C: a matrix times a vector (a linear layer
 * with one output, attention logits). The packed kernel would pad the single column to a strip
 * of FK_NR and pack all of A for it. Without transA: one dot product per row of A, four rows at a
 * time; with it: the rows of A [k, m] scaled by b's elements and summed, sixteen outputs at a
 * time. b is read with stride `bStride` (1 when transposed, ldb otherwise). */
FK_AVX512 static void fk_sgemv(int transA, long m, long k, float alpha, const float *a, long lda, const float *b,
                               long bStride, float beta, float *c, long ldc) {
    float *vector = fk_buffer(&fk_packed_b, &fk_packed_b_size, k + 16);
    for (long p = 0; p < k; p++) vector[p] = b[p * bStride];
    if (!transA) {
        long body = k / 16 * 16;
        __mmask16 tail = (__mmask16)((1u << (k - body)) - 1u);
        for (long i0 = 0; i0 < m; i0 += 4) {
            const float *rows[4];
            for (int i = 0; i < 4; i++) rows[i] = a + (i0 + i < m ? i0 + i : m - 1) * lda;
            __m512 sums[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
            for (long p = 0; p < body; p += 16) {
                __m512 y = _mm512_loadu_ps(vector + p);
                for (int i = 0; i < 4; i++) sums[i] = _mm512_fmadd_ps(_mm512_loadu_ps(rows[i] + p), y, sums[i]);
            }
            if (tail) {
                __m512 y = _mm512_maskz_loadu_ps(tail, vector + body);
                for (int i = 0; i < 4; i++) sums[i] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, rows[i] + body), y, sums[i]);
            }
            for (int i = 0; i < 4 && i0 + i < m; i++) {
                float total = alpha * _mm512_reduce_add_ps(sums[i]);
                c[(i0 + i) * ldc] = beta == 0.0f ? total : total + beta * c[(i0 + i) * ldc];
            }
        }
        return;
    }
    for (long i0 = 0; i0 < m; i0 += 16) {
        __mmask16 lanes = m - i0 >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (m - i0)) - 1u);
        __m512 sum = _mm512_setzero_ps();
        for (long p = 0; p < k; p++)
            sum = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(lanes, a + p * lda + i0), _mm512_set1_ps(vector[p]), sum);
        float out[16];
        _mm512_storeu_ps(out, sum);
        for (long i = 0; i < 16 && i0 + i < m; i++) {
            float total = alpha * out[i];
            c[(i0 + i) * ldc] = beta == 0.0f ? total : total + beta * c[(i0 + i) * ldc];
        }
    }
}

FK_AVX512 static void fk_sgemm_avx512(int transA, int transB, long m, long n, long k, float alpha, const float *a,
                                      long lda, const float *b, long ldb, float beta, float *c, long ldc, int inPlace) {
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
            /* In place (B not transposed, few rows of A or a B that stays in the cache): B is
             * read where it lies (its rows are contiguous) and only a last strip narrower than
             * FK_NR is packed. */
            long whole = nc / FK_NR * FK_NR;
            if (!inPlace) fk_pack_b(transB, b, ldb, p0, kc, j0, nc, packedB);
            else if (whole < nc) fk_pack_b(transB, b, ldb, p0, kc, j0 + whole, nc - whole, packedB + whole / FK_NR * kc * FK_NR);
            for (long i0 = 0; i0 < m; i0 += FK_MC) {
                long mc = m - i0 < FK_MC ? m - i0 : FK_MC;
                /* A not transposed is read where it lies (its rows are contiguous in p): packing it
                 * would be one more pass over A, a scalar transpose (measured in Docs/Benchmarks.md,
                 * "A read in place, Bᵀ packed by 16 × 16 transposes"). */
                if (transA) fk_pack_transposed_a(a, lda, i0, mc, p0, kc, packedA);
                for (long js = 0; js * FK_NR < nc; js++) {
                    long columns = nc - js * FK_NR < FK_NR ? nc - js * FK_NR : FK_NR;
                    int direct = inPlace && columns == FK_NR;
                    const float *strip = direct ? b + p0 * ldb + j0 + js * FK_NR : packedB + js * kc * FK_NR;
                    for (long is = 0; is * FK_MR < mc; is++) {
                        long rows = mc - is * FK_MR < FK_MR ? mc - is * FK_MR : FK_MR;
                        if (!transA)
                            fk_block_direct(kc, a + (i0 + is * FK_MR) * lda + p0, lda, strip, direct ? ldb : FK_NR,
                                                c + (i0 + is * FK_MR) * ldc + j0 + js * FK_NR, ldc, rows, columns, alpha, blockBeta);
                        else
                            fk_block(kc, packedA + is * kc * FK_MR, strip, direct ? ldb : FK_NR,
                                     c + (i0 + is * FK_MR) * ldc + j0 + js * FK_NR, ldc, rows, columns, alpha, blockBeta);
                    }
                }
            }
        }
    }
}
#endif

/* Whether the CPU has the AVX-512 subset the kernel is compiled for: detected once, and not
 * subject to fk_limit_kernel_isa (which tests use to reach the narrower element-wise kernels
 * while other tests multiply matrices). */
int fk_sgemm_available(void) {
#ifdef FK_X86
    static _Atomic int available = -1;
    int known = available;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("fma");
        available = known;
    }
    return known;
#else
    return 0;
#endif
}

int fk_sgemm_choice(int transA, int transB, long m, long n, long k) {
    if (n == 1) return FK_SGEMM_VECTOR;
    if (!transA && transB && k >= FK_DOT_MIN_DEPTH &&
        (m < FK_MR || n < FK_NR || k >= FK_DOT_DEPTH_PER_ROW * m + FK_DOT_DEPTH_BASE))
        return FK_SGEMM_DOT;
    /* B read in place rather than packed: with A read in place too, nothing is copied, and a B
     * of up to 1 MB stays in the cache while the strips of A pass (Docs/Benchmarks.md, "A read in
     * place, Bᵀ packed by 16 × 16 transposes"). */
    if (!transB && (m <= FK_SGEMM_IN_PLACE_ROWS || n * k <= FK_SGEMM_IN_PLACE_FLOATS)) return FK_SGEMM_IN_PLACE;
    return FK_SGEMM_PACKED;
}

int fk_sgemm(int variant, int transA, int transB, long m, long n, long k, float alpha, const float *a, long lda,
             const float *b, long ldb, float beta, float *c, long ldc) {
#ifdef FK_X86
    if (fk_sgemm_available()) {
        if (variant == FK_SGEMM_CHOOSE) variant = fk_sgemm_choice(transA, transB, m, n, k);
        if (variant == FK_SGEMM_DOT && !(!transA && transB)) variant = FK_SGEMM_PACKED;
        if (variant == FK_SGEMM_IN_PLACE && transB) variant = FK_SGEMM_PACKED;
        if (variant == FK_SGEMM_VECTOR && n != 1) variant = FK_SGEMM_PACKED;
        if (m <= 0 || n <= 0) return variant;
        if (k == 0) {
            for (long i = 0; i < m; i++)
                for (long j = 0; j < n; j++) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
            return variant;
        }
        if (variant == FK_SGEMM_VECTOR) {
            fk_sgemv(transA, m, k, alpha, a, lda, b, transB ? 1 : ldb, beta, c, ldc);
            return FK_SGEMM_VECTOR;
        }
        if (variant == FK_SGEMM_DOT) {
            fk_sgemm_nt_dot(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return FK_SGEMM_DOT;
        }
        int inPlace = variant == FK_SGEMM_IN_PLACE;
        fk_sgemm_avx512(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, inPlace);
        return inPlace ? FK_SGEMM_IN_PLACE : FK_SGEMM_PACKED;
    }
#endif
    abort(); /* callers check fk_sgemm_available() first */
}
