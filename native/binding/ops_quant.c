/* Node-API glue of quantMatmul (src/engine/ops.ts): reads the args object, checks every length against the
 * sizes given, calls kd_quant_matmul. Not here: the kernels (native/generic/quant.c) or op semantics. */
#include "kd_napi.h"
#include "kd_ops.h"
#include "kd_quant.h"

static const char *const QUANT_TYPES[] = {"q8_0", "q4_0", "q4_k", "q6_k"}; /* in kd_quant_type order */

KD_OP(quantMatmul) {
  kd_args a;
  if (!kd_args_begin(env, info, "quantMatmul", &a)) return NULL;
  const int type = kd_enum(&a, "type", QUANT_TYPES, 4);
  const int64_t max = INT64_C(9007199254740991);
  const int64_t n = kd_int(&a, "n", 1, max), k = kd_int(&a, "k", 1, max), n_out = kd_int(&a, "nOut", 1, max);
  if (a.bad) return NULL;
  const int64_t row_bytes = kd_quant_row_bytes((kd_quant_type)type, k);
  if (row_bytes < 0) {
    kd_fail(&a, 0, "k=%lld is not a whole number of %s blocks", (long long)k, QUANT_TYPES[type]);
    return NULL;
  }
  const float *x = kd_f32(&a, "x", kd_mul(&a, n, k));
  const uint8_t *w = kd_u8(&a, "w", kd_mul(&a, n_out, row_bytes));
  float *out = kd_f32(&a, "out", kd_mul(&a, n, n_out));
  if (a.bad) return NULL;
  kd_quant_matmul((kd_quant_type)type, x, w, n, k, n_out, out);
  return NULL;
}
