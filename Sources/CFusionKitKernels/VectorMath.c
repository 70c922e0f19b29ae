#include "FusionKitKernels.h"

#include <stdint.h>
#include <string.h>

/* The scalar forms below are written so that a compiler vectorises the loops that call them:
 * no branches (comparisons become selects), no calls, rounding by the 1.5·2^23 trick. The
 * methods are the classic Cody–Waite range reduction with short minimax polynomials, as in
 * Cephes; accuracy is a few ulp over the whole float range. */

#define FK_INLINE static inline __attribute__((always_inline))

FK_INLINE float fk_bits_to_float(int32_t bits) { float f; memcpy(&f, &bits, 4); return f; }
FK_INLINE int32_t fk_float_to_bits(float f) { int32_t b; memcpy(&b, &f, 4); return b; }

/* e^x: n = round(x / ln 2), r = x - n ln 2 in two parts, e^r by polynomial, times 2^n
 * applied as two factors so that subnormal results come out right. */
FK_INLINE float fk_exp1(float x) {
    float c = x < -104.0f ? -104.0f : x;
    c = c > 88.8f ? 88.8f : c;
    float t = c * 1.44269504088896341f + 12582912.0f;
    float n = t - 12582912.0f;
    float r = c - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float r2 = r * r;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r2 + r + 1.0f;
    int32_t e = fk_float_to_bits(t) - 0x4B400000;
    int32_t half = e >> 1;
    float result = p * fk_bits_to_float((half + 127) << 23) * fk_bits_to_float((e - half + 127) << 23);
    return x != x ? x : result;
}

/* log x: x = m·2^e with m in [√½, √2), log(1 + f) by polynomial. Subnormals are scaled by 2^23
 * first; 0 gives -inf, negatives NaN, +inf and NaN pass through. */
FK_INLINE float fk_log1(float x) {
    int tiny = x < 1.17549435e-38f;
    float s = tiny ? x * 8388608.0f : x;
    int32_t bits = fk_float_to_bits(s);
    float e = (float)((bits >> 23) - 126) - (tiny ? 23.0f : 0.0f);
    float m = fk_bits_to_float((bits & 0x007FFFFF) | 0x3F000000);
    int small = m < 0.707106781186547524f;
    e = small ? e - 1.0f : e;
    m = small ? m + m : m;
    float f = m - 1.0f;
    float z = f * f;
    float p = 7.0376836292e-2f;
    p = p * f - 1.1514610310e-1f;
    p = p * f + 1.1676998740e-1f;
    p = p * f - 1.2420140846e-1f;
    p = p * f + 1.4249322787e-1f;
    p = p * f - 1.6668057665e-1f;
    p = p * f + 2.0000714765e-1f;
    p = p * f - 2.4999993993e-1f;
    p = p * f + 3.3333331174e-1f;
    float y = f * z * p;
    y = y + e * -2.12194440e-4f;
    y = y - 0.5f * z;
    float result = f + y + e * 0.693359375f;
    result = x == 0.0f ? -__builtin_inff() : result;
    result = x < 0.0f ? __builtin_nanf("") : result;
    result = (x == __builtin_inff() || x != x) ? x : result;
    return result;
}

/* tanh x: an odd polynomial for |x| < 0.625 (keeps relative accuracy near 0), otherwise
 * 1 - 2 / (e^{2|x|} + 1) with the sign of x. */
FK_INLINE float fk_tanh1(float x) {
    float a = x < 0.0f ? -x : x;
    float z = x * x;
    float p = -5.70498872745e-3f;
    p = p * z + 2.06390887954e-2f;
    p = p * z - 5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z - 3.33332819422e-1f;
    float near = x + x * z * p;
    float e = fk_exp1(2.0f * (a > 20.0f ? 20.0f : a));
    float far = 1.0f - 2.0f / (e + 1.0f);
    far = x < 0.0f ? -far : far;
    float result = a < 0.625f ? near : far;
    return x != x ? x : result;
}

/* The logistic function 1 / (1 + e^-x). */
FK_INLINE float fk_sigmoid1(float x) { return 1.0f / (1.0f + fk_exp1(-x)); }

#if defined(__x86_64__) && defined(__clang__)
#define FK_AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,fma"), min_vector_width(512)))
#define FK_AVX2 __attribute__((target("avx2,fma")))
#define FK_X86 1
#endif

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
        FK_DISPATCH(name)                                                                      \
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

static inline int fk_isa(void) {
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
#define FK_DISPATCH(name)                                                                      \
    switch (fk_isa()) {                                                                        \
    case 2: name##_avx512(x, y, n); return;                                                    \
    case 1: name##_avx2(x, y, n); return;                                                      \
    default: break;                                                                            \
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
#define FK_DISPATCH(name)
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
#ifdef FK_X86
    switch (fk_isa()) {
    case 2: return fk_sum_avx512(x, n);
    case 1: return fk_sum_avx2(x, n);
    default: break;
    }
#endif
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
#ifdef FK_X86
    switch (fk_isa()) {
    case 2: return fk_max_avx512(x, n);
    case 1: return fk_max_avx2(x, n);
    default: break;
    }
#endif
    return fk_max_baseline(x, n);
}

float fk_min(const float *x, long n) {
#ifdef FK_X86
    switch (fk_isa()) {
    case 2: return fk_min_avx512(x, n);
    case 1: return fk_min_avx2(x, n);
    default: break;
    }
#endif
    return fk_min_baseline(x, n);
}

FK_KERNEL(fk_exp, fk_exp1)
FK_KERNEL(fk_log, fk_log1)
FK_KERNEL(fk_tanh, fk_tanh1)
FK_KERNEL(fk_sigmoid, fk_sigmoid1)
