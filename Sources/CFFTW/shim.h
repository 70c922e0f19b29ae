#ifndef FUSIONKIT_CFFTW_SHIM_H
#define FUSIONKIT_CFFTW_SHIM_H
/* Debian's FFTW 3 (libfftw3-dev), single precision: real-to-complex and back, for compact
   bilinear pooling (MCB). */
#include <fftw3.h>
#endif
