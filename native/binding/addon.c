/* Node-API glue: registers the kernels. Placeholder exposing only the thread setting. */
#include <node_api.h>
#include "kd_threadpool.h"

static napi_value set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value argv[1]; int32_t n = 1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc >= 1) napi_get_value_int32(env, argv[0], &n);
  kd_set_threads(n);
  return NULL;
}
static napi_value get_threads(napi_env env, napi_callback_info info) {
  napi_value r; napi_create_int32(env, kd_get_threads(), &r); return r;
}
NAPI_MODULE_INIT() {
  napi_property_descriptor d[] = {
    {"setThreads", 0, set_threads, 0, 0, 0, napi_default, 0},
    {"getThreads", 0, get_threads, 0, 0, 0, napi_default, 0},
  };
  napi_define_properties(env, exports, sizeof d / sizeof d[0], d);
  return exports;
}
