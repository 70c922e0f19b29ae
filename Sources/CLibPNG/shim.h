#ifndef FUSIONKIT_CLIBPNG_SHIM_H
#define FUSIONKIT_CLIBPNG_SHIM_H

#include <png.h>

#endif
