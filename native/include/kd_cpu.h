/* Runtime CPU dispatch: which instruction-set path (generic C, AVX2+FMA, AVX-512) the kernels use.
 * Not here: any kernel. The choice is the best path the CPU and OS support, lowered by env KOTODAMA_ISA. */
#ifndef KD_CPU_H
#define KD_CPU_H

typedef enum { KD_ISA_GENERIC = 0, KD_ISA_AVX2 = 1, KD_ISA_AVX512 = 2 } kd_isa;

/* Best path this CPU supports (AVX2 needs avx2+fma+f16c; AVX-512 needs f, bw, vl, dq), ignoring the env. */
kd_isa kd_cpu_best_isa(void);
/* The path in use: min(best, KOTODAMA_ISA=generic|avx2|avx512 when set) unless kd_cpu_force_isa changed it.
 * Cheap after the first call (cached). */
kd_isa kd_cpu_isa(void);
/* "generic", "avx2" or "avx512" for the path in use. */
const char *kd_cpu_isa_name(void);
const char *kd_isa_name(kd_isa isa);
/* Parses "generic"|"avx2"|"avx512"; returns -1 for anything else. */
int kd_isa_parse(const char *name);
/* Switches the path in use (for tests and benchmarks). Returns 0, or -1 (unchanged) when the CPU lacks it.
 * Not safe while kernels run on other threads. */
int kd_cpu_force_isa(kd_isa isa);

#endif
