/* Implementation of kd_napi.h: argument reading and checking for the Node-API glue.
 * Not here: any op (ops_*.c) or the module registration (addon.c). */
#include "kd_napi.h"
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define KD_MAX_SAFE 9007199254740991.0 /* 2^53 − 1 */

void kd_fail(kd_args *a, int type_error, const char *fmt, ...) {
  if (a->bad) return;
  a->bad = 1;
  bool pending = false;
  napi_is_exception_pending(a->env, &pending);
  if (pending) return;
  char msg[512];
  int k = snprintf(msg, sizeof msg, "kotodama native %s: ", a->op);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg + k, sizeof msg - (size_t)k, fmt, ap);
  va_end(ap);
  if (type_error) napi_throw_type_error(a->env, "ERR_KOTODAMA_NATIVE_ARG", msg);
  else napi_throw_range_error(a->env, "ERR_KOTODAMA_NATIVE_ARG", msg);
}

int kd_args_begin(napi_env env, napi_callback_info info, const char *op, kd_args *a) {
  a->env = env;
  a->op = op;
  a->bad = 0;
  size_t argc = 1;
  napi_value argv[1];
  napi_valuetype t = napi_undefined;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_typeof(env, argv[0], &t) != napi_ok || t != napi_object) {
    kd_fail(a, 1, "expects one argument object with the op's fields");
    return 0;
  }
  a->obj = argv[0];
  return 1;
}

/* Reads field `name` (fewest Node-API calls: the typed getters below check the type themselves). */
static int get(kd_args *a, const char *name, napi_value *v) {
  if (a->bad) return 0;
  if (napi_get_named_property(a->env, a->obj, name, v) != napi_ok) {
    kd_fail(a, 1, "cannot read field '%s'", name);
    return 0;
  }
  return 1;
}

static double number(kd_args *a, const char *name) {
  napi_value v;
  if (!get(a, name, &v)) return 0.0;
  double d = 0.0;
  if (napi_get_value_double(a->env, v, &d) != napi_ok) {
    kd_fail(a, 1, "field '%s' must be a number", name);
    return 0.0;
  }
  return d;
}

int64_t kd_int(kd_args *a, const char *name, int64_t lo, int64_t hi) {
  double d = number(a, name);
  if (a->bad) return lo;
  if (!(d == floor(d)) || d < (double)lo || d > (double)hi || fabs(d) > KD_MAX_SAFE) {
    kd_fail(a, 0, "field '%s' must be an integer in [%lld, %lld], got %g", name, (long long)lo, (long long)hi, d);
    return lo;
  }
  return (int64_t)d;
}

int64_t kd_size(kd_args *a, const char *name) { return kd_int(a, name, 0, (int64_t)KD_MAX_SAFE); }

double kd_num(kd_args *a, const char *name) { return number(a, name); }

int kd_has(kd_args *a, const char *name) {
  napi_value v;
  if (!get(a, name, &v)) return 0;
  napi_valuetype t = napi_undefined;
  if (napi_typeof(a->env, v, &t) != napi_ok) return 0;
  return t != napi_undefined && t != napi_null;
}

int kd_bool(kd_args *a, const char *name) {
  napi_value v;
  if (!get(a, name, &v)) return 0;
  bool b = false;
  if (napi_get_value_bool(a->env, v, &b) != napi_ok) {
    kd_fail(a, 1, "field '%s' must be a boolean", name);
    return 0;
  }
  return b ? 1 : 0;
}

int kd_enum(kd_args *a, const char *name, const char *const *names, int n) {
  napi_value v;
  if (!get(a, name, &v)) return 0;
  char buf[32];
  size_t len = 0;
  if (napi_get_value_string_utf8(a->env, v, buf, sizeof buf, &len) == napi_ok) {
    for (int i = 0; i < n; i++)
      if (strcmp(buf, names[i]) == 0) return i;
  }
  char list[256] = "";
  for (int i = 0; i < n; i++) {
    strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
    strncat(list, names[i], sizeof list - strlen(list) - 1);
  }
  kd_fail(a, 1, "field '%s' must be one of: %s", name, list);
  return 0;
}

/* Reads an array of integers in [lo, hi] into out (≤ max entries); returns the count. */
static int int_array(kd_args *a, const char *name, int64_t *out, int max, int64_t lo, int64_t hi) {
  napi_value v;
  if (!get(a, name, &v)) return 0;
  bool is_array = false;
  uint32_t n = 0;
  if (napi_is_array(a->env, v, &is_array) != napi_ok || !is_array || napi_get_array_length(a->env, v, &n) != napi_ok) {
    kd_fail(a, 1, "field '%s' must be an array of integers", name);
    return 0;
  }
  if (n > (uint32_t)max) {
    kd_fail(a, 0, "field '%s' has %u entries, at most %d are supported", name, n, max);
    return 0;
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    double d = 0.0;
    napi_valuetype et;
    if (napi_get_element(a->env, v, i, &e) != napi_ok || napi_typeof(a->env, e, &et) != napi_ok ||
        et != napi_number || napi_get_value_double(a->env, e, &d) != napi_ok) {
      kd_fail(a, 1, "field '%s'[%u] must be a number", name, i);
      return 0;
    }
    if (!(d == floor(d)) || d < (double)lo || d > (double)hi) {
      kd_fail(a, 0, "field '%s'[%u] must be an integer in [%lld, %lld], got %g", name, i, (long long)lo,
              (long long)hi, d);
      return 0;
    }
    out[i] = (int64_t)d;
  }
  return (int)n;
}

int kd_shape(kd_args *a, const char *name, int64_t *dims, int max_rank) {
  return int_array(a, name, dims, max_rank, 0, (int64_t)KD_MAX_SAFE);
}

int kd_index_list(kd_args *a, const char *name, int32_t *out, int max, int32_t hi) {
  int64_t tmp[64];
  if (max > 64) max = 64;
  int n = int_array(a, name, tmp, max, 0, (int64_t)hi - 1);
  for (int i = 0; i < n; i++) out[i] = (int32_t)tmp[i];
  return n;
}

static const char *type_name(napi_typedarray_type t) {
  switch (t) {
    case napi_float32_array: return "Float32Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_uint8_array: return "Uint8Array";
    default: return "typed array";
  }
}

static void *typed(kd_args *a, const char *name, napi_typedarray_type want, int64_t need, int optional,
                   int64_t *len_out) {
  napi_value v;
  if (!get(a, name, &v)) return NULL;
  napi_typedarray_type tt;
  size_t len = 0;
  void *data = NULL;
  if (napi_get_typedarray_info(a->env, v, &tt, &len, &data, NULL, NULL) != napi_ok) {
    napi_valuetype t = napi_undefined;
    if (optional && napi_typeof(a->env, v, &t) == napi_ok && (t == napi_null || t == napi_undefined)) return NULL;
    tt = napi_int8_array == want ? napi_uint8_array : napi_int8_array; /* not the wanted type */
  }
  if (tt != want) {
    kd_fail(a, 1, "field '%s' must be a %s%s", name, type_name(want), optional ? " or null" : "");
    return NULL;
  }
  if (len_out) *len_out = (int64_t)len;
  if (need >= 0 && (int64_t)len < need) {
    kd_fail(a, 0, "field '%s' has %zu elements, the sizes given need at least %lld", name, len, (long long)need);
    return NULL;
  }
  /* A zero-length view may have no buffer; kernels never dereference it then. */
  static float empty[1];
  return data ? data : (void *)empty;
}

float *kd_f32(kd_args *a, const char *name, int64_t need) {
  return typed(a, name, napi_float32_array, need, 0, NULL);
}
float *kd_f32_opt(kd_args *a, const char *name, int64_t need) {
  return typed(a, name, napi_float32_array, need, 1, NULL);
}
int32_t *kd_i32(kd_args *a, const char *name, int64_t need) { return typed(a, name, napi_int32_array, need, 0, NULL); }
uint16_t *kd_u16(kd_args *a, const char *name, int64_t need) {
  return typed(a, name, napi_uint16_array, need, 0, NULL);
}
uint32_t *kd_u32(kd_args *a, const char *name, int64_t need) {
  return typed(a, name, napi_uint32_array, need, 0, NULL);
}
uint8_t *kd_u8(kd_args *a, const char *name, int64_t need) { return typed(a, name, napi_uint8_array, need, 0, NULL); }
int64_t kd_length(kd_args *a, const char *name, napi_typedarray_type type) {
  int64_t len = -1;
  typed(a, name, type, -1, 0, &len);
  return a->bad ? -1 : len;
}

int64_t kd_mul(kd_args *a, int64_t x, int64_t y) {
  if (a->bad) return 0;
  if (x != 0 && (double)x * (double)y > KD_MAX_SAFE) {
    kd_fail(a, 0, "sizes too large (%lld × %lld elements)", (long long)x, (long long)y);
    return 0;
  }
  return x * y;
}
int64_t kd_mul3(kd_args *a, int64_t x, int64_t y, int64_t z) { return kd_mul(a, kd_mul(a, x, y), z); }
int64_t kd_mul4(kd_args *a, int64_t x, int64_t y, int64_t z, int64_t w) {
  return kd_mul(a, kd_mul3(a, x, y, z), w);
}

int64_t kd_span(kd_args *a, int64_t batch, int64_t stride, int64_t rows, int64_t ld, int64_t cols) {
  if (batch == 0 || rows == 0 || cols == 0) return 0;
  int64_t s = kd_mul(a, batch - 1, stride) + kd_mul(a, rows - 1, ld) + cols;
  if (!a->bad && (double)s > KD_MAX_SAFE) kd_fail(a, 0, "sizes too large");
  return s;
}

int64_t kd_shape_size(kd_args *a, const int64_t *dims, int rank) {
  int64_t n = 1;
  for (int i = 0; i < rank; i++) n = kd_mul(a, n, dims[i]);
  return n;
}

napi_value kd_undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}
