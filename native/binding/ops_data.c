/* Node-API glue of kernels that are not tensor ops: the data pipeline's MinHash signature (src/data/minhash.ts)
 * and the sampler's top-k selection (src/infer/sampler.ts). Not here: the kernels (native/generic/minhash.c,
 * topk.c). */
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

/* topK({ x: Float32Array, k, ids: Int32Array }): ids[0..k) = the k largest of x, decreasing, ties to the lower
 * id; returns k, or -1 when x holds a NaN (the caller then runs its TypeScript specification). */
KD_OP(topK) {
  kd_args a;
  if (!kd_args_begin(env, info, "topK", &a)) return NULL;
  int64_t v = kd_length(&a, "x", napi_float32_array);
  const float *x = kd_f32(&a, "x", v);
  int64_t k = kd_int(&a, "k", 1, v < 1 ? 1 : v);
  int32_t *ids = kd_i32(&a, "ids", k);
  if (a.bad) return NULL;
  napi_value r;
  napi_create_int64(env, kd_top_k(x, v, k, ids), &r);
  return r;
}
