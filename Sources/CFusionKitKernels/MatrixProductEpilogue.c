/* The blocked product of MatrixProductBlocked.h with an epilogue in each register block's store
 * (fk_sgemm_epilogue in FusionKitKernels.h), compiled apart from the plain one on purpose (see
 * that header). */
#define FK_BLOCKED_EPILOGUE 1
#include "MatrixProductBlocked.h"

int fk_sgemm_blocked_epilogue(int transA, int transB, long m, long n, long k, float alpha, const float *a, long lda,
                               const float *b, long ldb, float beta, float *c, long ldc, int inPlace,
                               const fk_product_epilogue *epilogue);

int fk_sgemm_blocked_epilogue(int transA, int transB, long m, long n, long k, float alpha, const float *a, long lda,
                               const float *b, long ldb, float beta, float *c, long ldc, int inPlace,
                               const fk_product_epilogue *epilogue) {
#ifdef FK_X86
    return fk_sgemm_avx512(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, inPlace, epilogue);
#else
    (void)transA; (void)transB; (void)m; (void)n; (void)k; (void)alpha; (void)a; (void)lda; (void)b; (void)ldb;
    (void)beta; (void)c; (void)ldc; (void)inPlace; (void)epilogue;
    abort(); /* only called where fk_sgemm_available() is 1 */
#endif
}
