/* Node-API glue of BPE merging: bpeMerge(packed: Int32Array, sym: Int32Array, n) → new length, positional
 * arguments (not an args object: it runs once per uncached pre-token, where an object's field reads would
 * cost more than the merge). Not here: the merge (native/generic/bpe.c) or the table (src/tokenizer/merge.ts). */
#include "kd_bpe.h"
#include "kd_ops.h"

static napi_value fail(napi_env env, const char *msg) {
  napi_throw_range_error(env, "ERR_KOTODAMA_NATIVE_ARG", msg);
  return NULL;
}

static int32_t *int32_view(napi_env env, napi_value v, size_t *len) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return NULL;
  napi_typedarray_type type;
  void *data = NULL;
  if (napi_get_typedarray_info(env, v, &type, len, &data, NULL, NULL) != napi_ok || type != napi_int32_array) return NULL;
  return (int32_t *)data;
}

KD_OP(bpeMerge) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3) return fail(env, "kotodama native bpeMerge: expects (packed, sym, n)");
  size_t tlen = 0, slen = 0;
  const int32_t *packed = int32_view(env, argv[0], &tlen);
  int32_t *sym = int32_view(env, argv[1], &slen);
  int64_t n = -1;
  if (packed == NULL || sym == NULL) return fail(env, "kotodama native bpeMerge: packed and sym must be Int32Arrays");
  if (napi_get_value_int64(env, argv[2], &n) != napi_ok || n < 0 || (size_t)n > slen) return fail(env, "kotodama native bpeMerge: n must be an integer in [0, sym.length]");
  kd_bpe_table t;
  if (!kd_bpe_table_view(packed, (int64_t)tlen, &t)) return fail(env, "kotodama native bpeMerge: packed is not a pair table (layout in native/include/kd_bpe.h)");
  int64_t m = kd_bpe_merge(&t, sym, n);
  if (m == -1) return fail(env, "kotodama native bpeMerge: the table names a rank past its merges");
  if (m < 0) return fail(env, "kotodama native bpeMerge: out of memory");
  napi_value r;
  napi_create_int64(env, m, &r);
  return r;
}
