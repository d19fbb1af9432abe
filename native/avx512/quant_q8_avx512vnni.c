/* native/generic/quant_q8.c compiled with this folder's flags plus AVX512-VNNI (functions named *_avx512vnni):
 * vpdpbusd for the Q8_0/Q4_0 block sums. Not here: any code of its own; the CPU check (quant_dispatch.c).
 * The pragma covers this file only, so no other kernel can pick up VNNI instructions on a CPU without them. */
#pragma GCC target("avx512vnni")
#define KD_ISA_SUFFIX avx512vnni
#include "../generic/quant_q8.c"
