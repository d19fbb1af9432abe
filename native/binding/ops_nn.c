/* Node-API glue of the network ops: embedding, LayerNorm, RMSNorm, softmax, GELU/SiLU, SwiGLU/GeGLU, RoPE (forward
 * and backward). Not here: kernels (native/generic/). Every buffer is checked against the sizes first. */
#include "kd_kernels.h"
#include "kd_napi.h"
#include "kd_ops.h"

static const char *const ACTS[] = {"gelu", "silu"};
static const char *const PAIRINGS[] = {"adjacent", "half"};

static napi_value embedding_op(napi_env env, napi_callback_info info, int backward) {
  kd_args a;
  if (!kd_args_begin(env, info, backward ? "embeddingBackward" : "embedding", &a)) return NULL;
  int64_t n = kd_size(&a, "n"), c = kd_size(&a, "c"), v = kd_size(&a, "v");
  const int32_t *ids = kd_i32(&a, "ids", n);
  const float *src = kd_f32(&a, backward ? "dOut" : "weight", kd_mul(&a, backward ? n : v, c));
  float *dst = kd_f32(&a, backward ? "dWeight" : "out", kd_mul(&a, backward ? v : n, c));
  if (a.bad) return NULL;
  int64_t bad = backward ? kd_embedding_backward(src, ids, n, c, v, dst) : kd_embedding_forward(src, ids, n, c, v, dst);
  if (bad >= 0) kd_fail(&a, 0, "ids[%lld] = %d is outside [0, %lld)", (long long)bad, ids[bad], (long long)v);
  return NULL;
}
KD_OP(embedding) { return embedding_op(env, info, 0); }
KD_OP(embeddingBackward) { return embedding_op(env, info, 1); }

KD_OP(layerNorm) {
  kd_args a;
  if (!kd_args_begin(env, info, "layerNorm", &a)) return NULL;
  int64_t n = kd_size(&a, "n"), c = kd_size(&a, "c"), nc = kd_mul(&a, n, c);
  double eps = kd_num(&a, "eps");
  const float *x = kd_f32(&a, "x", nc), *w = kd_f32(&a, "weight", c), *b = kd_f32_opt(&a, "bias", c);
  float *out = kd_f32(&a, "out", nc), *mean = kd_f32(&a, "mean", n), *rstd = kd_f32(&a, "rstd", n);
  if (a.bad) return NULL;
  kd_layernorm_forward(x, w, b, n, c, (float)eps, out, mean, rstd);
  return NULL;
}

KD_OP(layerNormBackward) {
  kd_args a;
  if (!kd_args_begin(env, info, "layerNormBackward", &a)) return NULL;
  int64_t n = kd_size(&a, "n"), c = kd_size(&a, "c"), nc = kd_mul(&a, n, c);
  const float *g = kd_f32(&a, "dOut", nc), *x = kd_f32(&a, "x", nc), *w = kd_f32(&a, "weight", c);
  const float *mean = kd_f32(&a, "mean", n), *rstd = kd_f32(&a, "rstd", n);
  float *dx = kd_f32(&a, "dx", nc), *dw = kd_f32(&a, "dWeight", c), *db = kd_f32_opt(&a, "dBias", c);
  if (a.bad) return NULL;
  kd_layernorm_backward(g, x, w, mean, rstd, n, c, dx, dw, db);
  return NULL;
}

KD_OP(rmsNorm) {
  kd_args a;
  if (!kd_args_begin(env, info, "rmsNorm", &a)) return NULL;
  int64_t n = kd_size(&a, "n"), c = kd_size(&a, "c"), nc = kd_mul(&a, n, c);
  double eps = kd_num(&a, "eps");
  const float *x = kd_f32(&a, "x", nc), *w = kd_f32(&a, "weight", c);
  float *out = kd_f32(&a, "out", nc), *rstd = kd_f32(&a, "rstd", n);
  if (a.bad) return NULL;
  kd_rmsnorm_forward(x, w, n, c, (float)eps, out, rstd);
  return NULL;
}

KD_OP(rmsNormBackward) {
  kd_args a;
  if (!kd_args_begin(env, info, "rmsNormBackward", &a)) return NULL;
  int64_t n = kd_size(&a, "n"), c = kd_size(&a, "c"), nc = kd_mul(&a, n, c);
  const float *g = kd_f32(&a, "dOut", nc), *x = kd_f32(&a, "x", nc), *w = kd_f32(&a, "weight", c);
  const float *rstd = kd_f32(&a, "rstd", n);
  float *dx = kd_f32(&a, "dx", nc), *dw = kd_f32(&a, "dWeight", c);
  if (a.bad) return NULL;
  kd_rmsnorm_backward(g, x, w, rstd, n, c, dx, dw);
  return NULL;
}

KD_OP(softmax) {
  kd_args a;
  if (!kd_args_begin(env, info, "softmax", &a)) return NULL;
  int64_t n = kd_size(&a, "n"), c = kd_size(&a, "c"), nc = kd_mul(&a, n, c);
  const float *x = kd_f32(&a, "x", nc);
  float *out = kd_f32(&a, "out", nc);
  if (a.bad) return NULL;
  kd_softmax_forward(x, n, c, out);
  return NULL;
}

KD_OP(softmaxBackward) {
  kd_args a;
  if (!kd_args_begin(env, info, "softmaxBackward", &a)) return NULL;
  int64_t n = kd_size(&a, "n"), c = kd_size(&a, "c"), nc = kd_mul(&a, n, c);
  const float *g = kd_f32(&a, "dOut", nc), *y = kd_f32(&a, "y", nc);
  float *dx = kd_f32(&a, "dx", nc);
  if (a.bad) return NULL;
  kd_softmax_backward(g, y, n, c, dx);
  return NULL;
}

KD_OP(activation) {
  kd_args a;
  if (!kd_args_begin(env, info, "activation", &a)) return NULL;
  int kind = kd_enum(&a, "kind", ACTS, 2);
  int64_t n = kd_length(&a, "x", napi_float32_array);
  const float *x = kd_f32(&a, "x", n);
  float *out = kd_f32(&a, "out", n);
  if (a.bad) return NULL;
  kd_activation_forward((kd_activation)kind, x, out, n);
  return NULL;
}

KD_OP(activationBackward) {
  kd_args a;
  if (!kd_args_begin(env, info, "activationBackward", &a)) return NULL;
  int kind = kd_enum(&a, "kind", ACTS, 2);
  int64_t n = kd_length(&a, "x", napi_float32_array);
  const float *g = kd_f32(&a, "dOut", n), *x = kd_f32(&a, "x", n);
  float *dx = kd_f32(&a, "dx", n);
  if (a.bad) return NULL;
  kd_activation_backward((kd_activation)kind, g, x, dx, n);
  return NULL;
}

KD_OP(swiglu) {
  kd_args a;
  if (!kd_args_begin(env, info, "swiglu", &a)) return NULL;
  const int act = kd_has(&a, "act") ? kd_enum(&a, "act", ACTS, 2) : KD_ACT_SILU; /* absent: SwiGLU */
  int64_t n = kd_length(&a, "gate", napi_float32_array);
  const float *gate = kd_f32(&a, "gate", n), *up = kd_f32(&a, "up", n);
  float *out = kd_f32(&a, "out", n);
  if (a.bad) return NULL;
  kd_swiglu_forward((kd_activation)act, gate, up, out, n);
  return NULL;
}

KD_OP(swigluBackward) {
  kd_args a;
  if (!kd_args_begin(env, info, "swigluBackward", &a)) return NULL;
  const int act = kd_has(&a, "act") ? kd_enum(&a, "act", ACTS, 2) : KD_ACT_SILU;
  int64_t n = kd_length(&a, "gate", napi_float32_array);
  const float *g = kd_f32(&a, "dOut", n), *gate = kd_f32(&a, "gate", n), *up = kd_f32(&a, "up", n);
  float *dgate = kd_f32(&a, "dGate", n), *dup = kd_f32(&a, "dUp", n);
  if (a.bad) return NULL;
  kd_swiglu_backward((kd_activation)act, g, gate, up, dgate, dup, n);
  return NULL;
}

static napi_value rope_op(napi_env env, napi_callback_info info, int backward) {
  kd_args a;
  if (!kd_args_begin(env, info, backward ? "ropeBackward" : "rope", &a)) return NULL;
  int64_t b = kd_size(&a, "b"), t = kd_size(&a, "t"), h = kd_size(&a, "h"), d = kd_size(&a, "d");
  int64_t rd = kd_size(&a, "rotaryDim");
  int pairing = kd_enum(&a, "pairing", PAIRINGS, 2);
  double theta = kd_num(&a, "theta");
  if (!a.bad && (rd % 2 != 0 || rd > d)) kd_fail(&a, 0, "rotaryDim must be even and ≤ d (got %lld, d = %lld)", (long long)rd, (long long)d);
  int64_t size = kd_mul4(&a, b, t, h, d);
  const int32_t *pos = kd_i32(&a, "positions", t);
  const float *ff = kd_f32_opt(&a, "freqFactors", rd / 2); /* absent or null: no factors */
  const float *x = kd_f32(&a, backward ? "dOut" : "x", size);
  float *out = kd_f32(&a, backward ? "dx" : "out", size);
  if (a.bad) return NULL;
  if (backward) kd_rope_backward(x, b, t, h, d, rd, (kd_rope_pairing)pairing, theta, pos, ff, out);
  else kd_rope_forward(x, b, t, h, d, rd, (kd_rope_pairing)pairing, theta, pos, ff, out);
  return NULL;
}
KD_OP(rope) { return rope_op(env, info, 0); }
KD_OP(ropeBackward) { return rope_op(env, info, 1); }
