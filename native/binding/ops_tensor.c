/* Node-API glue of the shape-generic ops: binary, unary, reduce, broadcast, permute.
 * Not here: kernels (native/generic/elementwise.c, reduce.c, permute.c). Shapes are checked for consistency
 * and against the buffer lengths before any kernel runs. */
#include "kd_kernels.h"
#include "kd_napi.h"
#include "kd_ops.h"

static const char *const BIN_OPS[] = {"add", "sub", "mul", "div", "max", "min"};
static const char *const UN_OPS[] = {"neg", "exp", "log", "sqrt", "rsqrt", "abs", "square",
                                     "recip", "tanh", "sigmoid", "relu", "scale", "addScalar", "powScalar"};
static const char *const RED_OPS[] = {"sum", "mean", "max", "min"};

/* x_shape broadcasts to out_shape (right-aligned; each dim equal or 1). */
static int broadcasts_to(const int64_t *x, int xr, const int64_t *o, int orank) {
  if (xr > orank) return 0;
  for (int i = 0; i < xr; i++) {
    int64_t xd = x[xr - 1 - i], od = o[orank - 1 - i];
    if (xd != od && xd != 1) return 0;
  }
  return 1;
}

KD_OP(binary) {
  kd_args a;
  if (!kd_args_begin(env, info, "binary", &a)) return NULL;
  int op = kd_enum(&a, "op", BIN_OPS, 6);
  int64_t as[KD_MAX_RANK], bs[KD_MAX_RANK], os[KD_MAX_RANK];
  int ar = kd_shape(&a, "aShape", as, KD_MAX_RANK), br = kd_shape(&a, "bShape", bs, KD_MAX_RANK);
  int orank = kd_shape(&a, "outShape", os, KD_MAX_RANK);
  if (a.bad) return NULL;
  int full = orank == (ar > br ? ar : br);
  for (int i = 0; full && i < orank; i++) { /* out dim = the broadcast of the a and b dims */
    int64_t ad = i < ar ? as[ar - 1 - i] : 1, bd = i < br ? bs[br - 1 - i] : 1, od = os[orank - 1 - i];
    full = (ad == bd || ad == 1 || bd == 1) && od == (ad == 1 ? bd : ad);
  }
  if (!full) {
    kd_fail(&a, 0, "outShape must be the broadcast of aShape and bShape");
    return NULL;
  }
  const float *x = kd_f32(&a, "a", kd_shape_size(&a, as, ar));
  const float *y = kd_f32(&a, "b", kd_shape_size(&a, bs, br));
  float *out = kd_f32(&a, "out", kd_shape_size(&a, os, orank));
  if (a.bad) return NULL;
  kd_binary((kd_binary_op)op, x, ar, as, y, br, bs, out, orank, os);
  return NULL;
}

KD_OP(unary) {
  kd_args a;
  if (!kd_args_begin(env, info, "unary", &a)) return NULL;
  int op = kd_enum(&a, "op", UN_OPS, 14);
  double s = kd_num(&a, "scalar");
  int64_t n = kd_length(&a, "x", napi_float32_array);
  const float *x = kd_f32(&a, "x", n);
  float *out = kd_f32(&a, "out", n);
  if (a.bad) return NULL;
  kd_unary((kd_unary_op)op, x, out, n, (float)s);
  return NULL;
}

KD_OP(reduce) {
  kd_args a;
  if (!kd_args_begin(env, info, "reduce", &a)) return NULL;
  int op = kd_enum(&a, "op", RED_OPS, 4);
  int64_t shape[KD_MAX_RANK];
  int rank = kd_shape(&a, "shape", shape, KD_MAX_RANK);
  int32_t axes[KD_MAX_RANK];
  int na = kd_index_list(&a, "axes", axes, KD_MAX_RANK, rank);
  if (a.bad) return NULL;
  uint8_t red[KD_MAX_RANK] = {0};
  for (int i = 0; i < na; i++) {
    if (red[axes[i]] || (i > 0 && axes[i] < axes[i - 1])) {
      kd_fail(&a, 0, "axes must be sorted and distinct");
      return NULL;
    }
    red[axes[i]] = 1;
  }
  int64_t kept = 1;
  for (int i = 0; i < rank; i++) if (!red[i]) kept = kd_mul(&a, kept, shape[i]);
  const float *x = kd_f32(&a, "x", kd_shape_size(&a, shape, rank));
  float *out = kd_f32(&a, "out", kept);
  if (a.bad) return NULL;
  kd_reduce((kd_reduce_op)op, x, rank, shape, red, out);
  return NULL;
}

KD_OP(broadcast) {
  kd_args a;
  if (!kd_args_begin(env, info, "broadcast", &a)) return NULL;
  int64_t xs[KD_MAX_RANK], os[KD_MAX_RANK];
  int xr = kd_shape(&a, "xShape", xs, KD_MAX_RANK), orank = kd_shape(&a, "outShape", os, KD_MAX_RANK);
  if (a.bad) return NULL;
  if (!broadcasts_to(xs, xr, os, orank)) {
    kd_fail(&a, 0, "xShape does not broadcast to outShape");
    return NULL;
  }
  const float *x = kd_f32(&a, "x", kd_shape_size(&a, xs, xr));
  float *out = kd_f32(&a, "out", kd_shape_size(&a, os, orank));
  if (a.bad) return NULL;
  kd_broadcast(x, xr, xs, out, orank, os);
  return NULL;
}

KD_OP(permute) {
  kd_args a;
  if (!kd_args_begin(env, info, "permute", &a)) return NULL;
  int64_t shape[KD_MAX_RANK];
  int rank = kd_shape(&a, "shape", shape, KD_MAX_RANK);
  int32_t perm[KD_MAX_RANK];
  int np = kd_index_list(&a, "perm", perm, KD_MAX_RANK, rank);
  if (a.bad) return NULL;
  uint8_t seen[KD_MAX_RANK] = {0};
  int ok = np == rank;
  for (int i = 0; ok && i < np; i++) {
    ok = !seen[perm[i]];
    seen[perm[i]] = 1;
  }
  if (!ok) {
    kd_fail(&a, 0, "perm must be a permutation of 0..%d", rank - 1);
    return NULL;
  }
  int64_t n = kd_shape_size(&a, shape, rank);
  const float *x = kd_f32(&a, "x", n);
  float *out = kd_f32(&a, "out", n);
  if (a.bad) return NULL;
  kd_permute(x, rank, shape, perm, out);
  return NULL;
}
