#ifndef FUSIONKIT_COPENBLAS_SHIM_H
#define FUSIONKIT_COPENBLAS_SHIM_H

#include <cblas.h>
#include <lapacke.h>

/* Exported by OpenBLAS builds with DYNAMIC_ARCH (Debian's is one) but not declared in cblas.h.
   FusionKit calls them to reload the kernel table after choosing OPENBLAS_CORETYPE at run time. */
extern void gotoblas_dynamic_init(void);
extern void gotoblas_dynamic_quit(void);

#endif
