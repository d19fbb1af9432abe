/* Node-API glue for where buffers sit in memory: alignOffset({ x: Float32Array }) is how many floats from x's start
 * the first 64-byte boundary is (a scratch buffer cut there lets the skinny GEMM read its rows without an aligned
 * copy per call); adviseHugePages({ x }) advises MADV_HUGEPAGE for the whole 2 MiB pages inside x's memory, so that
 * its first touch faults 2 MiB at a time. For the KV cache pool: a
 * 16-sequence pool of the start model is 13 MB, whose ~3,300 4 KiB page faults cost ~30–37 ms of CPU on first touch
 * on this VM, against ~2.4 ms on huge pages (and attention, which reads the pool every step, misses the TLB less).
 * A hint only: the memory stays V8's (freed as any ArrayBuffer), no value changes, and where the kernel refuses (or
 * the memory was touched already) the pages stay as they are. Not here: what is advised or aligned
 * (src/infer/kv-cache.ts, src/infer/forward.ts). */
#include <stdint.h>
#include "kd_napi.h"
#include "kd_ops.h"
#if defined(__linux__)
#include <sys/mman.h>
#endif

/* alignOffset({ x }): (64 − address mod 64) mod 64 over 4 bytes, in 0 … 15. */
KD_OP(alignOffset) {
  kd_args a;
  if (!kd_args_begin(env, info, "alignOffset", &a)) return NULL;
  const int64_t n = kd_length(&a, "x", napi_float32_array);
  const float *x = kd_f32(&a, "x", n);
  if (a.bad) return NULL;
  napi_value r;
  napi_create_int64(env, (int64_t)(((64 - ((uintptr_t)x & 63)) & 63) / sizeof(float)), &r);
  return r;
}

/* adviseHugePages({ x }): true when a whole 2 MiB page of x was advised, else false (too small, not Linux). */
KD_OP(adviseHugePages) {
  kd_args a;
  if (!kd_args_begin(env, info, "adviseHugePages", &a)) return NULL;
  const int64_t n = kd_length(&a, "x", napi_float32_array);
  float *x = kd_f32(&a, "x", n);
  if (a.bad) return NULL;
  int advised = 0;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const uintptr_t huge = (uintptr_t)2 << 20, lo = ((uintptr_t)x + huge - 1) & ~(huge - 1),
                  hi = ((uintptr_t)(x + n)) & ~(huge - 1);
  if (hi > lo) advised = madvise((void *)lo, hi - lo, MADV_HUGEPAGE) == 0;
#endif
  napi_value r;
  napi_get_boolean(env, advised, &r);
  return r;
}
