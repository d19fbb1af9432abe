/* Runtime instruction-set detection (__builtin_cpu_supports) and the KOTODAMA_ISA override.
 * Not here: kernels; each kernel family keeps its own per-ISA function table and asks kd_cpu_isa(). */
#include "kd_cpu.h"
#include <stdlib.h>
#include <string.h>

static int g_isa = -1; /* cached choice; -1 = not decided yet (benign race: every thread computes the same) */

kd_isa kd_cpu_best_isa(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  /* libgcc also checks that the OS saves the ymm/zmm state (XCR0) before reporting avx2/avx512f. */
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return KD_ISA_AVX512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return KD_ISA_AVX2;
#endif
  return KD_ISA_GENERIC;
}

int kd_isa_parse(const char *name) {
  if (name == NULL) return -1;
  if (strcmp(name, "generic") == 0) return KD_ISA_GENERIC;
  if (strcmp(name, "avx2") == 0) return KD_ISA_AVX2;
  if (strcmp(name, "avx512") == 0) return KD_ISA_AVX512;
  return -1;
}

const char *kd_isa_name(kd_isa isa) {
  switch (isa) {
    case KD_ISA_AVX512: return "avx512";
    case KD_ISA_AVX2: return "avx2";
    default: return "generic";
  }
}

kd_isa kd_cpu_isa(void) {
  int isa = __atomic_load_n(&g_isa, __ATOMIC_RELAXED);
  if (isa >= 0) return (kd_isa)isa;
  isa = (int)kd_cpu_best_isa();
  int want = kd_isa_parse(getenv("KOTODAMA_ISA")); /* may only lower the path: a higher one could crash */
  if (want >= 0 && want < isa) isa = want;
  __atomic_store_n(&g_isa, isa, __ATOMIC_RELAXED);
  return (kd_isa)isa;
}

const char *kd_cpu_isa_name(void) { return kd_isa_name(kd_cpu_isa()); }

int kd_cpu_force_isa(kd_isa isa) {
  if ((int)isa < 0 || isa > kd_cpu_best_isa()) return -1;
  __atomic_store_n(&g_isa, (int)isa, __ATOMIC_RELAXED);
  return 0;
}
