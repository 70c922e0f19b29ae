#ifndef FUSIONKIT_COPENBLAS_SHIM_H
#define FUSIONKIT_COPENBLAS_SHIM_H

#include <cblas.h>
#include <lapacke.h>

/* Exported by OpenBLAS builds with DYNAMIC_ARCH (Debian's is one) but not declared in cblas.h.
   FusionKit calls them to reload the kernel table after choosing OPENBLAS_CORETYPE at run time. */
extern void gotoblas_dynamic_init(void);
extern void gotoblas_dynamic_quit(void);

/* Exported by OpenBLAS's pthreads server (Debian's build): re-read the OPENBLAS_* environment
   variables, stop the worker threads, start them again. FusionKit uses them once, at first use,
   to give the workers a short spin-wait (OPENBLAS_THREAD_TIMEOUT) when the user has not chosen one. */
extern void openblas_read_env(void);
extern int openblas_thread_timeout(void);
extern int blas_thread_shutdown_(void);
extern int blas_thread_init(void);

#endif
