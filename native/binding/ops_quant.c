/* Node-API glue of quantMatmul and quantMatmulT (src/engine/ops.ts): reads the args object, checks every length against the
 * sizes given, calls kd_quant_matmul ("f32" activations) or kd_quant_matmul_q8 ("q8", the default);
 * quantMatmulT (kd_quant_matmul_t); and the quantVnni switch. Not here: the kernels (native/generic/quant.c,
 * quant_t.c, quant_q8.c) or op semantics. */
#include "kd_napi.h"
#include "kd_ops.h"
#include "kd_quant.h"

static const char *const QUANT_TYPES[] = {"q8_0", "q4_0", "q4_k", "q6_k"}; /* in kd_quant_type order */
static const char *const ACTIVATIONS[] = {"q8", "f32"};                      /* index 0 = the default */

/* type, n, k, nOut of both ops, and the bytes of one W row; 0 (the error set on a) when any is bad, else 1. */
typedef struct {
  int type;
  int64_t n, k, n_out, row_bytes;
} quant_dims;

static int quant_dims_of(kd_args *a, quant_dims *d) {
  const int64_t max = INT64_C(9007199254740991);
  d->type = kd_enum(a, "type", QUANT_TYPES, 4);
  d->n = kd_int(a, "n", 1, max);
  d->k = kd_int(a, "k", 1, max);
  d->n_out = kd_int(a, "nOut", 1, max);
  if (a->bad) return 0;
  d->row_bytes = kd_quant_row_bytes((kd_quant_type)d->type, d->k);
  if (d->row_bytes < 0) {
    kd_fail(a, 0, "k=%lld is not a whole number of %s blocks", (long long)d->k, QUANT_TYPES[d->type]);
    return 0;
  }
  return 1;
}

KD_OP(quantMatmul) {
  kd_args a;
  if (!kd_args_begin(env, info, "quantMatmul", &a)) return NULL;
  /* activations is optional: absent (undefined) means "q8", as in the op table. */
  napi_value av;
  napi_valuetype at = napi_undefined;
  const int act = a.bad || napi_get_named_property(env, a.obj, "activations", &av) != napi_ok ||
                          napi_typeof(env, av, &at) != napi_ok || at == napi_undefined
                      ? 0
                      : kd_enum(&a, "activations", ACTIVATIONS, 2);
  quant_dims d;
  if (!quant_dims_of(&a, &d)) return NULL;
  const int type = d.type;
  const int64_t n = d.n, k = d.k, n_out = d.n_out, row_bytes = d.row_bytes;
  const float *x = kd_f32(&a, "x", kd_mul(&a, n, k));
  const uint8_t *w = kd_u8(&a, "w", kd_mul(&a, n_out, row_bytes));
  float *out = kd_f32(&a, "out", kd_mul(&a, n, n_out));
  if (a.bad) return NULL;
  if (act == 1) {
    kd_quant_matmul((kd_quant_type)type, x, w, n, k, n_out, out);
  } else if (kd_quant_matmul_q8((kd_quant_type)type, x, w, n, k, n_out, out) != 0) {
    kd_fail(&a, 0, "out of memory for the quantized activations (N=%lld, K=%lld)", (long long)n, (long long)k);
  }
  return NULL;
}

KD_OP(quantMatmulT) {
  kd_args a;
  if (!kd_args_begin(env, info, "quantMatmulT", &a)) return NULL;
  quant_dims d;
  if (!quant_dims_of(&a, &d)) return NULL;
  const int type = d.type;
  const int64_t n = d.n, k = d.k, n_out = d.n_out, row_bytes = d.row_bytes;
  const float *dy = kd_f32(&a, "dy", kd_mul(&a, n, n_out));
  const uint8_t *w = kd_u8(&a, "w", kd_mul(&a, n_out, row_bytes));
  float *out = kd_f32(&a, "out", kd_mul(&a, n, k));
  if (a.bad) return NULL;
  kd_quant_matmul_t((kd_quant_type)type, dy, w, n, k, n_out, out);
  return NULL;
}

/* quantVnni(on?): whether quantMatmul's q8 path uses AVX512-VNNI; a boolean argument switches it first (tests,
 * benchmarks). Returns the setting now (false where the CPU lacks VNNI). */
KD_OP(quantVnni) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc >= 1) {
    bool on = false;
    if (napi_get_value_bool(env, argv[0], &on) != napi_ok) {
      napi_throw_type_error(env, "ERR_KOTODAMA_NATIVE_ARG", "kotodama native quantVnni: expects a boolean");
      return NULL;
    }
    kd_quant_set_vnni(on ? 1 : 0);
  }
  napi_value r;
  napi_get_boolean(env, kd_quant_vnni() != 0, &r);
  return r;
}
