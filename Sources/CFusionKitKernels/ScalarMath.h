#ifndef FUSIONKIT_SCALAR_MATH_H
#define FUSIONKIT_SCALAR_MATH_H

/* Shared by the kernel files of this target (not part of its public header): the scalar
 * functions every vector loop inlines, and the instruction-set plumbing. */

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

/* erfc(z) for z >= 0 as t·exp(-z² + P(t)), t = 1 / (1 + z/2), with the degree-9 Chebyshev fit
 * of Press et al., Numerical Recipes §6.2 (fractional error below 1.2e-7 for every z >= 0):
 * accurate in the far tail, where 1 - erf(z) would cancel. */
FK_INLINE float fk_erfc_nonnegative1(float z) {
    float t = 1.0f / (1.0f + 0.5f * z);
    float p = 0.17087277f;
    p = p * t - 0.82215223f;
    p = p * t + 1.48851587f;
    p = p * t - 1.13520398f;
    p = p * t + 0.27886807f;
    p = p * t - 0.18628806f;
    p = p * t + 0.09678418f;
    p = p * t + 0.37409196f;
    p = p * t + 1.00002368f;
    p = p * t - 1.26551223f;
    return t * fk_exp1(p - z * z);
}

/* Φ(x), the standard normal CDF: 1 - erfc(x/√2)/2 for x >= 0, erfc(-x/√2)/2 below. */
FK_INLINE float fk_normal_cdf1(float x) {
    float half = 0.5f * fk_erfc_nonnegative1((x < 0.0f ? -x : x) * 0.70710678118654752f);
    return x < 0.0f ? half : 1.0f - half;
}

/* The exact GELU x·Φ(x) (PyTorch's approximate="none"). */
FK_INLINE float fk_gelu1(float x) { return x * fk_normal_cdf1(x); }

/* Its derivative Φ(x) + x·φ(x), φ(x) = e^(-x²/2)/√(2π). */
FK_INLINE float fk_gelu_derivative1(float x) {
    return fk_normal_cdf1(x) + x * 0.39894228040143268f * fk_exp1(-0.5f * x * x);
}

#if defined(__x86_64__) && defined(__clang__)
#define FK_AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,fma"), min_vector_width(512)))
#define FK_AVX2 __attribute__((target("avx2,fma")))
#define FK_X86 1
#endif

/* Whether a kernel reading `rows` rows `stride` floats apart may prefetch as many rows more
 * into L1 (else L2): L1 is 12-way over 64 sets of 64-byte lines (a set every 4 KB), so rows a
 * multiple of 2 KB or 4 KB apart share one or two sets, and the current rows and the prefetched
 * ones together must not need more than its 12 ways in any set. */
FK_INLINE int fk_prefetch_into_l1(long rows, long stride) {
    long bytes = (stride * 4) % 4096, sets = 64;
    if (bytes != 0) {
        long a = bytes, b = 4096;
        while (b) { long t = a % b; a = b; b = t; }
        sets = 4096 / a < 64 ? 4096 / a : 64;
    } else {
        sets = 1;
    }
    return 2 * ((rows + sets - 1) / sets) <= 12;
}

/* The dispatch every kernel starts with: call the variant of `name` (name##_avx512,
 * name##_avx2) for the instruction set in force with `arguments` and return from the enclosing
 * function (its result, for FK_DISPATCH_RESULT); on the baseline level fall through to the
 * baseline call that follows. Every kernel file ends with the same few lines per kernel — its
 * AVX-512 and AVX2 variants stamped from one body macro, then the exported function that
 * dispatches and calls the baseline — a deliberate pattern, one kernel at a time. */
#ifdef FK_X86
/* The instruction set in force: 2 = AVX-512, 1 = AVX2, 0 = baseline (see fk_limit_kernel_isa). */
int fk_isa(void);
#define FK_DISPATCH(name, arguments)                                                           \
    switch (fk_isa()) {                                                                        \
    case 2: name##_avx512 arguments; return;                                                   \
    case 1: name##_avx2 arguments; return;                                                     \
    default: break;                                                                            \
    }
#define FK_DISPATCH_RESULT(name, arguments)                                                    \
    switch (fk_isa()) {                                                                        \
    case 2: return name##_avx512 arguments;                                                    \
    case 1: return name##_avx2 arguments;                                                      \
    default: break;                                                                            \
    }
#else
#define FK_DISPATCH(name, arguments)
#define FK_DISPATCH_RESULT(name, arguments)
#endif

#endif
