#ifndef FUSIONKIT_KERNELS_H
#define FUSIONKIT_KERNELS_H

/* FusionKit's C kernels: element-wise math, reductions, softmax rows, convolution epilogues, the
 * recurrent steps and Winograd's transforms and products, the AVX-512 matrix products, and the
 * worker pool.
 *
 * Swift compiles for the x86-64 baseline (SSE2) unless told otherwise, and a package cannot set
 * the target CPU for its users. The element-wise kernels are compiled three times (AVX-512,
 * AVX2+FMA and the baseline) and the best one for the running CPU is picked on first use, as
 * PyTorch does with its CPU-capability dispatch. The element-wise functions read n floats from x
 * and write n to y; x and y may be the same buffer. */

#ifdef __cplusplus
extern "C" {
#endif

void fk_exp(const float *x, float *y, long n);
void fk_log(const float *x, float *y, long n);
void fk_tanh(const float *x, float *y, long n);
void fk_sigmoid(const float *x, float *y, long n);
/* The exact GELU x·Φ(x) and its derivative Φ(x) + x·φ(x), with Φ through erfc so that the far
 * negative tail keeps its relative accuracy (a few 1e-6 below x = -5, where rounding x² in single
 * precision dominates; about 3e-7 elsewhere). */
void fk_gelu(const float *x, float *y, long n);
void fk_gelu_derivative(const float *x, float *y, long n);

/* y = a + b and y = a · b element by element on n floats (y may be a or b). */
void fk_add(const float *a, const float *b, float *y, long n);
void fk_mul(const float *a, const float *b, float *y, long n);

/* y = y + residual (when residual is not NULL), then max(y, 0) (when relu), on n floats in
 * place; residual must not overlap y. A convolution's epilogue (ConvolutionEpilogue.swift). */
void fk_epilogue(float *y, const float *residual, long n, int relu);

/* The sum of n floats (summed in vector lanes, so the order differs from a sequential loop). */
float fk_sum(const float *x, long n);

/* Softmax of n floats in place: exp(x − max) / Σ exp(x − max), the max taken over the values
 * that are not NaN; a row with no value above −∞ becomes zeros. */
void fk_softmax_row(float *x, long n);

/* The largest (smallest) of n > 0 floats; NaN if any is NaN. */
float fk_max(const float *x, long n);
float fk_min(const float *x, long n);

/* One GRU step for one batch element with n hidden units, gates stacked r, z, n as in
 * torch.nn.GRU. On entry gates[3n] holds W_ih x + b_ih and recurrent[3n] W_hh h (no bias); on
 * exit gates holds the activations r, z, n, hidden[n] the new state h' = (1 − z)·n + z·h and
 * saved[n] W_hn h + b_hn. No two buffers may overlap. */
void fk_gru_forward(long n, float *gates, const float *recurrent, const float *hiddenBias, float *hidden,
                    float *saved);

/* The same step backward: from the activations, saved values, the previous state and dL/dh'
 * in hiddenGradient[n], writes the gradients of the input pre-activations (W_ih x + b_ih) and of
 * the recurrent ones (W_hh h + b_hh), 3n floats each, and leaves in hiddenGradient the part of
 * dL/dh that does not pass through W_hh (dL/dh'·z). No two buffers may overlap. */
void fk_gru_backward(long n, const float *gates, const float *saved, const float *previousHidden,
                     float *hiddenGradient, float *inputGateGradient, float *hiddenGateGradient);

/* Adds the column sums of the row-major [rows, columns] matrix to sums[columns]; each column
 * is summed over its rows in order. The matrix and sums may not overlap. */
void fk_add_column_sums(const float *matrix, long rows, long columns, float *sums);

/* Winograd F(2×2, 3×3) convolution in three steps (see WinogradConvolution.swift). Arrays over
 * the 16 positions ξ of a 4×4 block keep the tiles (2×2 output blocks, row by row) contiguous.
 *
 * fk_winograd_input: V = Bᵀ d B for every 4×4 block d of a zero-padded plane (row stride
 * paddedWidth, tile (i, j) at row 2i, column 2j), into v[ξ·positionStride + i·tileColumns + j].
 *
 * fk_winograd_products: M_ξ = U_ξ·V_ξ for the first `positions` positions (16 for all; a caller
 * sharing the positions among cores passes u, v and m advanced to its first one),
 * u [positions][outChannels][channels], V_ξ [channels][tiles] at v + ξ·inputStride,
 * M_ξ [outChannels][tiles] at m + ξ·productStride; tiles must be a multiple of 16.
 *
 * fk_winograd_output: Y = Aᵀ m A + bias for every tile of one [height, width] output plane,
 * m read at m[ξ·positionStride + tile]; the last row or column of tiles is cropped. */
void fk_winograd_input(const float *padded, long paddedWidth, long tileRows, long tileColumns, float *v,
                       long positionStride);
void fk_winograd_products(const float *u, const float *v, long inputStride, float *m, long productStride,
                          long outChannels, long channels, long tiles, long positions);
void fk_winograd_output(const float *m, long positionStride, float bias, float *plane, long height, long width,
                        long tileColumns);

/* Single-precision matrix product C = alpha·op(A)·op(B) + beta·C on row-major matrices with
 * leading dimensions (as cblas_sgemm with CblasRowMajor), on the calling thread, with AVX-512,
 * by one of four variants (see MatrixProduct.c):
 *   FK_SGEMM_PACKED    B packed into strips (A too when transposed), a 12 × 32 register block
 *                      (any operands);
 *   FK_SGEMM_DOT       A·Bᵀ as dot products of rows, 4 × 6 at a time (only A not transposed and
 *                      B transposed; otherwise runs PACKED);
 *   FK_SGEMM_IN_PLACE  as PACKED, but B read where it lies (only B not transposed; otherwise
 *                      runs PACKED);
 *   FK_SGEMM_VECTOR    C of one column (n = 1): a matrix times a vector, nothing packed (only
 *                      n = 1; otherwise runs PACKED);
 *   FK_SGEMM_CHOOSE    the variant fk_sgemm_choice names: VECTOR for one column, DOT for A·Bᵀ
 *                      from a depth of 32 with fewer than 12 rows, fewer than 32 columns or a
 *                      depth of at least 8·m + 128, IN_PLACE for B not transposed with up to
 *                      FK_SGEMM_IN_PLACE_ROWS rows or up to FK_SGEMM_IN_PLACE_FLOATS floats in B
 *                      (it then stays in the cache between strips of A), else PACKED.
 * PACKED and IN_PLACE end a row of 32-column strips whose remainder would waste lanes (A not
 * transposed): from a depth of 64, 1–8 columns by dot products on the block of A in the cache
 * (FK_SGEMM_RAN_DOT_COLUMNS), 9–16 in a half strip of 16 (FK_SGEMM_RAN_HALF_STRIP), 17–24 by
 * both; at a smaller depth, 1–16 columns in a half strip.
 * Only for hosts where fk_sgemm_available() is 1 (the CPU has AVX-512; fk_limit_kernel_isa does
 * not apply); otherwise fk_sgemm aborts. C is not read when beta is 0. Returns the variant that
 * ran (never FK_SGEMM_CHOOSE), with the FK_SGEMM_RAN_… bits of the endings it used. */
enum { FK_SGEMM_CHOOSE = 0, FK_SGEMM_PACKED = 1, FK_SGEMM_DOT = 2, FK_SGEMM_IN_PLACE = 3, FK_SGEMM_VECTOR = 4 };
enum { FK_SGEMM_VARIANT_MASK = 0xFF, FK_SGEMM_RAN_HALF_STRIP = 1 << 8, FK_SGEMM_RAN_DOT_COLUMNS = 1 << 9 };
enum { FK_SGEMM_IN_PLACE_ROWS = 24, FK_SGEMM_IN_PLACE_FLOATS = 1 << 18 };
/* What fk_sgemm_epilogue does to each entry of C once its sum is complete: adds bias[i] (when
 * bias is not NULL) and residual[i·residualStride + j] (when residual is not NULL), then clamps
 * at zero when relu is not 0 (NaN stays NaN). A convolution's bias, residual connection and
 * ReLU without passes of their own over C (ConvolutionEpilogue.swift). */
typedef struct {
    const float *bias;
    const float *residual;
    long residualStride;
    int relu;
} fk_product_epilogue;
int fk_sgemm_available(void);
int fk_sgemm_choice(int transA, int transB, long m, long n, long k);
/* The epilogue over a finished m × n C whose rows lie ldc floats apart, as a plain loop: what
 * the variants without one of their own (and OpenBLAS's products) run after the product. */
void fk_product_epilogue_apply(const fk_product_epilogue *epilogue, float *c, long ldc, long m, long n);
/* fk_sgemm, then the epilogue (NULL: none) on every entry of C. */
int fk_sgemm_epilogue(int variant, int transA, int transB, long m, long n, long k, float alpha, const float *a,
                      long lda, const float *b, long ldb, float beta, float *c, long ldc,
                      const fk_product_epilogue *epilogue);
int fk_sgemm(int variant, int transA, int transB, long m, long n, long k, float alpha, const float *a, long lda,
             const float *b, long ldb, float beta, float *c, long ldc);

/* A pool of worker threads (one fewer than the cores, unless configured) that spin for a while after each
 * job before sleeping (fk_pool_set_spin, nanoseconds; 200 µs unless set). fk_pool_run calls
 * task(context, i) for i in 0 ..< count, index 0 on the calling thread and the others on the
 * workers, and returns when all have returned. With count above fk_pool_workers() + 1, or while
 * another job runs (a nested or concurrent call), every index runs on the calling thread. */
typedef void (*fk_task)(void *context, long index);
/* The number of workers to start (called before the pool's first use; later calls do nothing
 * useful). Without it: the online cores − 1. */
void fk_pool_configure(long workers);
long fk_pool_workers(void);
void fk_pool_set_spin(long nanoseconds);
void fk_pool_run(fk_task task, void *context, long count);
/* A companion job: task(context, 1) starts on the first worker and this returns at once with a
 * ticket (above 0), or nothing starts (0: no worker, or a job runs). The pool takes other jobs
 * again as soon as the task returns, so the caller's own jobs meanwhile run on its thread alone
 * and later ones on every core; fk_pool_wait(ticket) returns once the task has returned. */
long fk_pool_try_start(fk_task task, void *context);
void fk_pool_wait(long ticket);

/* The instruction set the kernels run with: "avx512", "avx2" or "baseline". */
const char *fk_kernel_isa(void);

/* Restricts the kernels to at most the given level (2 = AVX-512, 1 = AVX2, 0 = baseline), never
 * above what the CPU supports; -1 returns to the best the CPU supports. For tests that check
 * every code path on one machine. Returns the level now in force. */
int fk_limit_kernel_isa(int level);

#ifdef __cplusplus
}
#endif

#endif
