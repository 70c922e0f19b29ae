#include "FusionKitKernels.h"
#include "ScalarMath.h"

/* The loop of every kernel: in place through one pointer, otherwise through two pointers
 * declared not to overlap. (With two possibly-equal pointers the compiler adds an overlap check
 * and falls back to scalar code when x == y: seven times slower in place.) */
#define FK_LOOP(scalar)                                                                        \
    if (x == y) {                                                                              \
        for (long i = 0; i < n; i++) y[i] = scalar(y[i]);                                      \
    } else {                                                                                   \
        const float *__restrict source = x;                                                    \
        float *__restrict target = y;                                                          \
        for (long i = 0; i < n; i++) target[i] = scalar(source[i]);                            \
    }

/* One loop per kernel and instruction set, and a dispatcher that picks the set once. */
#define FK_KERNEL(name, scalar)                                                                \
    static void name##_baseline(const float *x, float *y, long n) {                            \
        FK_LOOP(scalar)                                      \
    }                                                                                          \
    FK_KERNEL_X86(name, scalar)                                                                \
    void name(const float *x, float *y, long n) {                                              \
        FK_DISPATCH(name, (x, y, n))                                                           \
        name##_baseline(x, y, n);                                                              \
    }

#ifdef FK_X86
static int fk_isa_level = -1; /* 2 = AVX-512, 1 = AVX2, 0 = baseline */

static int fk_detect_isa(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw")) return 2;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
    return 0;
}

int fk_isa(void) {
    int level = __atomic_load_n(&fk_isa_level, __ATOMIC_RELAXED);
    if (level < 0) {
        level = fk_detect_isa();
        __atomic_store_n(&fk_isa_level, level, __ATOMIC_RELAXED);
    }
    return level;
}

#define FK_KERNEL_X86(name, scalar)                                                            \
    FK_AVX512 static void name##_avx512(const float *x, float *y, long n) {                    \
        FK_LOOP(scalar)                                      \
    }                                                                                          \
    FK_AVX2 static void name##_avx2(const float *x, float *y, long n) {                        \
        FK_LOOP(scalar)                                      \
    }

int fk_limit_kernel_isa(int level) {
    int best = fk_detect_isa();
    int chosen = (level < 0 || level > best) ? best : level;
    __atomic_store_n(&fk_isa_level, chosen, __ATOMIC_RELAXED);
    return chosen;
}

const char *fk_kernel_isa(void) {
    switch (fk_isa()) {
    case 2: return "avx512";
    case 1: return "avx2";
    default: return "baseline";
    }
}
#else
#define FK_KERNEL_X86(name, scalar)
const char *fk_kernel_isa(void) { return "baseline"; }
int fk_limit_kernel_isa(int level) { (void)level; return 0; }
#endif

/* A sum the compiler may reorder into vector lanes (reassociation allowed in this scope only). */
#define FK_SUM_BODY                                                                            \
    {                                                                                          \
        _Pragma("clang fp reassociate(on)")                                                    \
        float total = 0.0f;                                                                    \
        for (long i = 0; i < n; i++) total += x[i];                                            \
        return total;                                                                          \
    }

static float fk_sum_baseline(const float *x, long n) FK_SUM_BODY
#ifdef FK_X86
FK_AVX512 static float fk_sum_avx512(const float *x, long n) FK_SUM_BODY
FK_AVX2 static float fk_sum_avx2(const float *x, long n) FK_SUM_BODY
#endif

float fk_sum(const float *x, long n) {
    FK_DISPATCH_RESULT(fk_sum, (x, n))
    return fk_sum_baseline(x, n);
}

/* Max and min in 16 independent lanes (a loop the compiler vectorises without reassociating),
 * with NaN tracked on the side so it wins as in PyTorch. */
#define FK_EXTREME_BODY(better)                                                                \
    {                                                                                          \
        float lane[16];                                                                        \
        int nan[16];                                                                           \
        for (int j = 0; j < 16; j++) { lane[j] = x[0]; nan[j] = 0; }                           \
        long i = 0;                                                                            \
        for (; i + 16 <= n; i += 16) {                                                         \
            for (int j = 0; j < 16; j++) {                                                     \
                float v = x[i + j];                                                            \
                lane[j] = (v better lane[j]) ? v : lane[j];                                    \
                nan[j] |= (v != v);                                                            \
            }                                                                                  \
        }                                                                                      \
        float best = lane[0];                                                                  \
        int sawNaN = 0;                                                                        \
        for (int j = 0; j < 16; j++) {                                                         \
            best = (lane[j] better best) ? lane[j] : best;                                     \
            sawNaN |= nan[j];                                                                  \
        }                                                                                      \
        for (; i < n; i++) {                                                                   \
            best = (x[i] better best) ? x[i] : best;                                           \
            sawNaN |= (x[i] != x[i]);                                                          \
        }                                                                                      \
        return sawNaN ? __builtin_nanf("") : best;                                             \
    }

static float fk_max_baseline(const float *x, long n) FK_EXTREME_BODY(>)
static float fk_min_baseline(const float *x, long n) FK_EXTREME_BODY(<)
#ifdef FK_X86
FK_AVX512 static float fk_max_avx512(const float *x, long n) FK_EXTREME_BODY(>)
FK_AVX512 static float fk_min_avx512(const float *x, long n) FK_EXTREME_BODY(<)
FK_AVX2 static float fk_max_avx2(const float *x, long n) FK_EXTREME_BODY(>)
FK_AVX2 static float fk_min_avx2(const float *x, long n) FK_EXTREME_BODY(<)
#endif

float fk_max(const float *x, long n) {
    FK_DISPATCH_RESULT(fk_max, (x, n))
    return fk_max_baseline(x, n);
}

float fk_min(const float *x, long n) {
    FK_DISPATCH_RESULT(fk_min, (x, n))
    return fk_min_baseline(x, n);
}

FK_KERNEL(fk_exp, fk_exp1)
FK_KERNEL(fk_log, fk_log1)
FK_KERNEL(fk_tanh, fk_tanh1)
FK_KERNEL(fk_sigmoid, fk_sigmoid1)
FK_KERNEL(fk_gelu, fk_gelu1)
FK_KERNEL(fk_gelu_derivative, fk_gelu_derivative1)

/* y = a + b and y = a · b on n floats, compiled per instruction set like the kernels above:
 * Swift's own loop is built for SSE2, four floats a step. Each element is the one sum or
 * product, so every variant gives the same bits. */
#define FK_PAIR_BODY(expression)                                                               \
    {                                                                                          \
        for (long i = 0; i < n; i++) y[i] = expression;                                        \
    }
static void fk_add_baseline(const float *a, const float *b, float *y, long n) FK_PAIR_BODY(a[i] + b[i])
static void fk_mul_baseline(const float *a, const float *b, float *y, long n) FK_PAIR_BODY(a[i] * b[i])
#ifdef FK_X86
FK_AVX512 static void fk_add_avx512(const float *a, const float *b, float *y, long n) FK_PAIR_BODY(a[i] + b[i])
FK_AVX512 static void fk_mul_avx512(const float *a, const float *b, float *y, long n) FK_PAIR_BODY(a[i] * b[i])
FK_AVX2 static void fk_add_avx2(const float *a, const float *b, float *y, long n) FK_PAIR_BODY(a[i] + b[i])
FK_AVX2 static void fk_mul_avx2(const float *a, const float *b, float *y, long n) FK_PAIR_BODY(a[i] * b[i])
#endif

void fk_add(const float *a, const float *b, float *y, long n) {
    FK_DISPATCH(fk_add, (a, b, y, n))
    fk_add_baseline(a, b, y, n);
}

void fk_mul(const float *a, const float *b, float *y, long n) {
    FK_DISPATCH(fk_mul, (a, b, y, n))
    fk_mul_baseline(a, b, y, n);
}

/* Softmax of one row in place: the peak (NaN never wins it), exp(x − peak) with their sum in
 * vector lanes, then the row scaled by the sum's reciprocal; a row without a value above −∞
 * becomes zeros. exp is fk_exp1, as in fk_exp, so each exponential has fk_exp's bits. */
#define FK_SOFTMAX_BODY                                                                        \
    {                                                                                          \
        float lane[16];                                                                        \
        for (int j = 0; j < 16; j++) lane[j] = -__builtin_inff();                              \
        long i = 0;                                                                            \
        for (; i + 16 <= n; i += 16) {                                                         \
            for (int j = 0; j < 16; j++) lane[j] = x[i + j] > lane[j] ? x[i + j] : lane[j];    \
        }                                                                                      \
        float peak = -__builtin_inff();                                                        \
        for (int j = 0; j < 16; j++) peak = lane[j] > peak ? lane[j] : peak;                   \
        for (; i < n; i++) peak = x[i] > peak ? x[i] : peak;                                   \
        if (peak == -__builtin_inff()) {                                                       \
            for (long k = 0; k < n; k++) x[k] = 0.0f;                                          \
            return;                                                                            \
        }                                                                                      \
        float total = 0.0f;                                                                    \
        {                                                                                      \
            _Pragma("clang fp reassociate(on)")                                                \
            for (long k = 0; k < n; k++) {                                                     \
                float e = fk_exp1(x[k] - peak);                                                \
                x[k] = e;                                                                      \
                total += e;                                                                    \
            }                                                                                  \
        }                                                                                      \
        float reciprocal = 1.0f / total;                                                       \
        for (long k = 0; k < n; k++) x[k] *= reciprocal;                                       \
    }

static void fk_softmax_row_baseline(float *x, long n) FK_SOFTMAX_BODY
#ifdef FK_X86
FK_AVX512 static void fk_softmax_row_avx512(float *x, long n) FK_SOFTMAX_BODY
FK_AVX2 static void fk_softmax_row_avx2(float *x, long n) FK_SOFTMAX_BODY
#endif

void fk_softmax_row(float *x, long n) {
    FK_DISPATCH(fk_softmax_row, (x, n))
    fk_softmax_row_baseline(x, n);
}

/* A convolution's epilogue on one output plane (see ConvolutionEpilogue.swift): the plane plus
 * a residual (when given), then clamped at zero (when relu), in place. NaN stays NaN, as in
 * relu(): x < 0 is false for it. Distinct buffers: declared so, the loop runs in vectors. */
#define FK_EPILOGUE_BODY                                                                       \
    {                                                                                          \
        float *__restrict target = y;                                                          \
        const float *__restrict added = residual;                                              \
        if (added && relu) {                                                                   \
            for (long i = 0; i < n; i++) {                                                     \
                float v = target[i] + added[i];                                                \
                target[i] = v < 0.0f ? 0.0f : v;                                               \
            }                                                                                  \
        } else if (added) {                                                                    \
            for (long i = 0; i < n; i++) target[i] += added[i];                                \
        } else if (relu) {                                                                     \
            for (long i = 0; i < n; i++) target[i] = target[i] < 0.0f ? 0.0f : target[i];      \
        }                                                                                      \
    }

static void fk_epilogue_baseline(float *y, const float *residual, long n, int relu) FK_EPILOGUE_BODY
#ifdef FK_X86
FK_AVX512 static void fk_epilogue_avx512(float *y, const float *residual, long n, int relu) FK_EPILOGUE_BODY
FK_AVX2 static void fk_epilogue_avx2(float *y, const float *residual, long n, int relu) FK_EPILOGUE_BODY
#endif

void fk_epilogue(float *y, const float *residual, long n, int relu) {
    FK_DISPATCH(fk_epilogue, (y, residual, n, relu))
    fk_epilogue_baseline(y, residual, n, relu);
}
