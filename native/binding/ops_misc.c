/* Node-API glue of AdamW, Σx², f16/bf16 conversion, and the thread / instruction-set controls.
 * Not here: kernels (native/generic/optim.c, half.c) or the thread pool (native/generic/threadpool.c). */
#include "kd_cpu.h"
#include "kd_kernels.h"
#include "kd_napi.h"
#include "kd_ops.h"
#include "kd_threadpool.h"

static const char *const HALVES[] = {"f16", "bf16"};

KD_OP(adamw) {
  kd_args a;
  if (!kd_args_begin(env, info, "adamw", &a)) return NULL;
  int64_t n = kd_length(&a, "param", napi_float32_array);
  float *p = kd_f32(&a, "param", n), *m = kd_f32(&a, "m", n), *v = kd_f32(&a, "v", n);
  const float *g = kd_f32(&a, "grad", n);
  double lr = kd_num(&a, "lr"), b1 = kd_num(&a, "beta1"), b2 = kd_num(&a, "beta2"), eps = kd_num(&a, "eps");
  double wd = kd_num(&a, "weightDecay");
  int64_t step = kd_int(&a, "step", 1, INT64_C(9007199254740991));
  if (a.bad) return NULL;
  kd_adamw(p, g, m, v, n, lr, b1, b2, eps, wd, step);
  return NULL;
}

KD_OP(sumSquares) {
  kd_args a;
  if (!kd_args_begin(env, info, "sumSquares", &a)) return NULL;
  int64_t n = kd_length(&a, "x", napi_float32_array);
  const float *x = kd_f32(&a, "x", n);
  if (a.bad) return NULL;
  napi_value r;
  napi_create_double(env, kd_sum_squares(x, n), &r);
  return r;
}

KD_OP(halfToF32) {
  kd_args a;
  if (!kd_args_begin(env, info, "halfToF32", &a)) return NULL;
  int kind = kd_enum(&a, "kind", HALVES, 2);
  int64_t n = kd_length(&a, "src", napi_uint16_array);
  const uint16_t *src = kd_u16(&a, "src", n);
  float *out = kd_f32(&a, "out", n);
  if (a.bad) return NULL;
  kd_half_to_f32((kd_half_kind)kind, src, out, n);
  return NULL;
}

KD_OP(f32ToHalf) {
  kd_args a;
  if (!kd_args_begin(env, info, "f32ToHalf", &a)) return NULL;
  int kind = kd_enum(&a, "kind", HALVES, 2);
  int64_t n = kd_length(&a, "src", napi_float32_array);
  const float *src = kd_f32(&a, "src", n);
  uint16_t *out = kd_u16(&a, "out", n);
  if (a.bad) return NULL;
  kd_f32_to_half((kd_half_kind)kind, src, out, n);
  return NULL;
}

/* setThreads(n): n an integer in [1, 1024]. */
KD_OP(setThreads) {
  size_t argc = 1;
  napi_value argv[1];
  double d = 0.0;
  napi_valuetype t = napi_undefined;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_typeof(env, argv[0], &t) != napi_ok || t != napi_number ||
      napi_get_value_double(env, argv[0], &d) != napi_ok || !(d >= 1 && d <= 1024 && d == (double)(int)d)) {
    napi_throw_range_error(env, "ERR_KOTODAMA_NATIVE_ARG", "kotodama native setThreads: expects an integer in [1, 1024]");
    return NULL;
  }
  kd_set_threads((int)d);
  return NULL;
}

KD_OP(getThreads) {
  napi_value r;
  napi_create_int32(env, kd_get_threads(), &r);
  return r;
}

KD_OP(isa) {
  napi_value r;
  const char *name = kd_cpu_isa_name();
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &r);
  return r;
}

/* setIsa(name): switches every kernel to "generic" | "avx2" | "avx512" (tests, benchmarks); returns whether
 * the CPU has it (false leaves the path unchanged). */
KD_OP(setIsa) {
  size_t argc = 1;
  napi_value argv[1], r;
  char buf[16] = "";
  size_t len = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], buf, sizeof buf, &len) != napi_ok ||
      kd_isa_parse(buf) < 0) {
    napi_throw_type_error(env, "ERR_KOTODAMA_NATIVE_ARG", "kotodama native setIsa: expects \"generic\", \"avx2\" or \"avx512\"");
    return NULL;
  }
  napi_get_boolean(env, kd_cpu_force_isa((kd_isa)kd_isa_parse(buf)) == 0, &r);
  return r;
}
