/* native/generic/quant_q8.c compiled with this folder's instruction-set flags (functions named *_avx512; see
 * native/generic/kd_impl.h): the AVX-512 path without VNNI (maddubs/madd). Not here: any code of its own. */
#define KD_ISA_SUFFIX avx512
#include "../generic/quant_q8.c"
