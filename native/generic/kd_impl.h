/* Shared internals of the kernels in native/generic: ISA name suffixes, fixed work chunking, exp/tanh/sigmoid
 * as branch-free C that vectorizes, and fixed-lane row reductions. Not here: any public API (kd_kernels.h).
 *
 * A kernel file written with KD_FN(name) is compiled once here (name_generic) and included again from
 * native/avx2 and native/avx512 with KD_ISA_SUFFIX set, so one source yields every ISA path; the compiler's
 * vectorizer does the rest. -std=c11 keeps fp-contract off (no implicit FMA), so all paths round alike. */
#ifndef KD_IMPL_H
#define KD_IMPL_H
#include <stdint.h>
#include <string.h>
#include "kd_threadpool.h"

#ifndef KD_ISA_SUFFIX
#define KD_ISA_SUFFIX generic
#endif
#define KD_CAT2_(a, b) a##_##b
#define KD_CAT2(a, b) KD_CAT2_(a, b)
#define KD_FN(name) KD_CAT2(name, KD_ISA_SUFFIX)

/* Elements per task for streaming kernels; task boundaries depend on sizes only (never on threads). */
#define KD_CHUNK 32768

static inline int64_t kd_div_up(int64_t a, int64_t b) { return (a + b - 1) / b; }
static inline int64_t kd_min64(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t kd_max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* Runs fn over n_tasks tasks: inline when there is one, on the pool otherwise. */
static inline void kd_run(int64_t n_tasks, kd_task_fn fn, void *ctx) {
  if (n_tasks <= 0) return;
  if (n_tasks == 1) fn(ctx, 0, 0);
  else kd_parallel_for((size_t)n_tasks, fn, ctx);
}

/* Rows per task so that one task touches about KD_CHUNK elements. */
static inline int64_t kd_rows_per_task(int64_t c) { return kd_max64(1, KD_CHUNK / kd_max64(c, 1)); }

static inline uint32_t kd_f2u(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float kd_u2f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

/* exp(x) for f32, ≤ 2 ulp over the whole range (Cephes expf polynomial, Moshier 1984), exact inf/0/NaN
 * limits. 2^n is applied as two factors so that results reach the subnormal range like libm's expf. */
static inline float kd_expf(float x) {
  const float hi = 88.72283935546875f, lo = -103.97208f;
  float xc = x > hi ? hi : (x < lo ? lo : x);
  float t = xc * 1.44269504088896341f + 12582912.0f; /* 1.5·2^23: rounds x·log2(e) to an integer */
  float n = t - 12582912.0f;
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  float y = p * (r * r) + r + 1.0f;
  int32_t ni = (int32_t)n;
  int32_t n1 = ni / 2, n2 = ni - ni / 2;
  float s1 = kd_u2f((uint32_t)(n1 + 127) << 23), s2 = kd_u2f((uint32_t)(n2 + 127) << 23);
  float res = (y * s1) * s2;
  res = x > hi ? kd_u2f(0x7f800000u) : res;
  res = x < lo ? 0.0f : res;
  return x != x ? x : res;
}

/* tanh(x): odd polynomial near 0 (Cephes tanhf), 1 − 2/(e^{2|x|} + 1) elsewhere; sign restored. */
static inline float kd_tanhf(float x) {
  float ax = x < 0.0f ? -x : x;
  float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  float small = x + x * z * p;
  float e = kd_expf(2.0f * (ax > 40.0f ? 40.0f : ax));
  float big = 1.0f - 2.0f / (e + 1.0f);
  big = x < 0.0f ? -big : big;
  return ax < 0.625f ? small : big;
}

/* 1/(1 + e^−x), as e^x/(1 + e^x) for x < 0 so that nothing overflows and tiny results keep their bits. */
static inline float kd_sigmoidf(float x) {
  float e = kd_expf(x < 0.0f ? x : -x);
  float r = 1.0f / (1.0f + e);
  return x < 0.0f ? e * r : r;
}

/* Row reductions with fixed lanes (GCC/Clang vector extensions): 8 double lanes for sums, 16 float lanes
 * for max, combined in a fixed order, so every ISA build gives the same bits and all of them vectorize. */
typedef float kd_f8 __attribute__((vector_size(32)));
typedef float kd_f16 __attribute__((vector_size(64)));
typedef int32_t kd_i16 __attribute__((vector_size(64)));
typedef double kd_d8 __attribute__((vector_size(64)));

static inline double kd_hsum8(const kd_d8 *a) {
  return (((*a)[0] + (*a)[4]) + ((*a)[1] + (*a)[5])) + (((*a)[2] + (*a)[6]) + ((*a)[3] + (*a)[7]));
}

#define KD_LD8D(dst, p)                          \
  do {                                           \
    kd_f8 kd_tmp_;                               \
    memcpy(&kd_tmp_, (p), sizeof kd_tmp_);       \
    (dst) = __builtin_convertvector(kd_tmp_, kd_d8); \
  } while (0)

/* Σ x[i] in double. */
static inline double kd_sum_f64(const float *x, int64_t n) {
  kd_d8 acc = {0, 0, 0, 0, 0, 0, 0, 0}, a;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) { KD_LD8D(a, x + i); acc += a; }
  double s = kd_hsum8(&acc);
  for (; i < n; i++) s += (double)x[i];
  return s;
}

/* Σ x[i]·y[i] in double. */
static inline double kd_dot_f64(const float *x, const float *y, int64_t n) {
  kd_d8 acc = {0, 0, 0, 0, 0, 0, 0, 0}, a, b;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) { KD_LD8D(a, x + i); KD_LD8D(b, y + i); acc += a * b; }
  double s = kd_hsum8(&acc);
  for (; i < n; i++) s += (double)x[i] * (double)y[i];
  return s;
}

/* Σ x[i]·y[i]·z[i] in double. */
static inline double kd_dot3_f64(const float *x, const float *y, const float *z, int64_t n) {
  kd_d8 acc = {0, 0, 0, 0, 0, 0, 0, 0}, a, b, c;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) { KD_LD8D(a, x + i); KD_LD8D(b, y + i); KD_LD8D(c, z + i); acc += a * b * c; }
  double s = kd_hsum8(&acc);
  for (; i < n; i++) s += (double)x[i] * (double)y[i] * (double)z[i];
  return s;
}

/* Σ (x[i] − m)² in double. */
static inline double kd_sqdev_f64(const float *x, double m, int64_t n) {
  kd_d8 acc = {0, 0, 0, 0, 0, 0, 0, 0}, a;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) { KD_LD8D(a, x + i); a -= m; acc += a * a; }
  double s = kd_hsum8(&acc);
  for (; i < n; i++) { double d = (double)x[i] - m; s += d * d; }
  return s;
}

/* max x[i] (NaNs skipped; −inf for n = 0). */
static inline float kd_max_f32(const float *x, int64_t n) {
  const float ninf = -__builtin_inff();
  kd_f16 m = {ninf, ninf, ninf, ninf, ninf, ninf, ninf, ninf, ninf, ninf, ninf, ninf, ninf, ninf, ninf, ninf}, v;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    memcpy(&v, x + i, sizeof v);
    kd_i16 gt = v > m;
    m = (kd_f16)(((kd_i16)v & gt) | ((kd_i16)m & ~gt));
  }
  float r = ninf;
  for (int l = 0; l < 16; l++) r = m[l] > r ? m[l] : r;
  for (; i < n; i++) r = x[i] > r ? x[i] : r;
  return r;
}

#endif
