/* native/generic/topk.c compiled with this folder's instruction-set flags (functions named *_avx512; see
 * native/generic/kd_impl.h). Not here: any code of its own. */
#define KD_ISA_SUFFIX avx512
#include "../generic/topk.c"
