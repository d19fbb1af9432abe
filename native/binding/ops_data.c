/* Node-API glue of the data pipeline's kernels: the MinHash signature (src/data/minhash.ts).
 * Not here: the kernel (native/generic/minhash.c). */
#include "kd_kernels.h"
#include "kd_napi.h"
#include "kd_ops.h"

/* minhash({ shingles: Uint32Array, salts: Uint32Array, out: Uint32Array }): out[i] for i < salts.length. */
KD_OP(minhash) {
  kd_args a;
  if (!kd_args_begin(env, info, "minhash", &a)) return NULL;
  int64_t n = kd_length(&a, "shingles", napi_uint32_array);
  int64_t p = kd_length(&a, "salts", napi_uint32_array);
  const uint32_t *sh = kd_u32(&a, "shingles", n);
  const uint32_t *salts = kd_u32(&a, "salts", p);
  uint32_t *out = kd_u32(&a, "out", p);
  if (a.bad) return NULL;
  kd_minhash(sh, n, salts, p, out);
  return NULL;
}
