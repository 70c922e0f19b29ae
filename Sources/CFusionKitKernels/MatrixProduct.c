#include "FusionKitKernels.h"
#include "ScalarMath.h"
#include <stdatomic.h>
#ifdef FK_X86
#include <immintrin.h>
#endif
#include <stdlib.h>

#define FK_BLOCKED_EPILOGUE 0
#include "MatrixProductBlocked.h"

#ifdef FK_X86
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

/* The blocked product with an epilogue in its stores (MatrixProductEpilogue.c). */
int fk_sgemm_blocked_epilogue(int transA, int transB, long m, long n, long k, float alpha, const float *a, long lda,
                               const float *b, long ldb, float beta, float *c, long ldc, int inPlace,
                               const fk_product_epilogue *epilogue);

void fk_product_epilogue_apply(const fk_product_epilogue *e, float *c, long ldc, long m, long n) {
    for (long i = 0; i < m; i++) {
        float shift = e->bias ? e->bias[i] : 0.0f;
        const float *residual = e->residual ? e->residual + i * e->residualStride : NULL;
        float *line = c + i * ldc;
        for (long j = 0; j < n; j++) {
            float v = line[j] + shift + (residual ? residual[j] : 0.0f);
            line[j] = e->relu && v < 0.0f ? 0.0f : v;
        }
    }
}

int fk_sgemm_epilogue(int variant, int transA, int transB, long m, long n, long k, float alpha, const float *a,
                      long lda, const float *b, long ldb, float beta, float *c, long ldc,
                      const fk_product_epilogue *epilogue) {
#ifdef FK_X86
    if (epilogue && fk_sgemm_available() && m > 0 && n > 0 && k > 0) {
        if (variant == FK_SGEMM_CHOOSE) variant = fk_sgemm_choice(transA, transB, m, n, k);
        if (variant == FK_SGEMM_IN_PLACE && transB) variant = FK_SGEMM_PACKED;
        if (variant == FK_SGEMM_PACKED || variant == FK_SGEMM_IN_PLACE) {
            return variant | fk_sgemm_blocked_epilogue(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
                                                       variant == FK_SGEMM_IN_PLACE, epilogue);
        }
    }
#endif
    int ran = fk_sgemm(variant, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    if (epilogue && m > 0 && n > 0) fk_product_epilogue_apply(epilogue, c, ldc, m, n);
    return ran;
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
        int endings = fk_sgemm_avx512(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, inPlace);
        return (inPlace ? FK_SGEMM_IN_PLACE : FK_SGEMM_PACKED) | endings;
    }
#endif
    abort(); /* callers check fk_sgemm_available() first */
}

