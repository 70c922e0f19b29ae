#ifndef FUSIONKIT_BENCH_CBLAS_BASELINE_H
#define FUSIONKIT_BENCH_CBLAS_BASELINE_H

/* The raw OpenBLAS sgemm the matrix-product rows compare FusionKit's matmul with. A module of the
   benchmark package's own: the library's COpenBLAS is an internal target, not a product. */
#include <cblas.h>

#endif
