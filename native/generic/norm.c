/* LayerNorm and RMSNorm over the last dim, forward and backward side by side (llm.c's layernorm_forward /
 * layernorm_backward). Row statistics and weight-gradient partials accumulate in double. Per ISA.
 * Not here: batch statistics of any kind. dWeight/dBias partials are per task (fixed row ranges) and summed
 * in task order, so results do not depend on the thread count. */
#include <math.h>
#include <stdlib.h>
#include "kd_impl.h"
#include "kd_kernels.h"

#define NORM_MAX_TASKS 64

/* Σ (double)((x[j] − m)²) with each square rounded to f32 as ggml forms it (m = 0: Σ x²), and Σ (double)x[j]:
 * eight running sums in double (vectorizable) rather than ggml's one. The totals differ from ggml's only in the last
 * bits of a double, which reach the f32 mean the caller rounds to only if that mean lies within ~1e-16 of an f32
 * rounding boundary; a single running sum is latency-bound (≈ 4 cycles an element). */
static double sum_sq_f64(const float *x, int64_t c, float m) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t j = 0;
  for (; j + 8 <= c; j += 8)
    for (int k = 0; k < 8; k++) {
      const float v = x[j + k] - m;
      acc[k] += (double)(v * v);
    }
  double s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; j < c; j++) {
    const float v = x[j] - m;
    s += (double)(v * v);
  }
  return s;
}

static double sum_f64(const float *x, int64_t c) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t j = 0;
  for (; j + 8 <= c; j += 8)
    for (int k = 0; k < 8; k++) acc[k] += (double)x[j + k];
  double s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; j < c; j++) s += (double)x[j];
  return s;
}

typedef struct {
  const float *x, *dout, *weight, *bias, *mean, *rstd;
  int64_t n, c;
  float eps;
  float *out, *mean_out, *rstd_out, *dx;
  double *dw_part, *db_part; /* [tasks][c] */
  int64_t per_task;
} norm_ctx;

static int64_t norm_tasks(int64_t n, int64_t c, int64_t *per_task) {
  int64_t rows = kd_rows_per_task(c);
  if (kd_div_up(n, rows) > NORM_MAX_TASKS) rows = kd_div_up(n, NORM_MAX_TASKS);
  *per_task = rows;
  return kd_div_up(n, rows);
}

/* ---- LayerNorm ---- */

static void ln_fwd_task(void *vctx, size_t task, int thread) {
  (void)thread;
  const norm_ctx *s = vctx;
  int64_t c = s->c, r0 = (int64_t)task * s->per_task, r1 = kd_min64(s->n, r0 + s->per_task);
  for (int64_t r = r0; r < r1; r++) {
    const float *x = s->x + r * c;
    float *o = s->out + r * c;
    /* ggml's rounding, step for step (ggml-cpu ops.cpp ggml_compute_forward_norm_f32, then ggml_mul and
     * ggml_add): the sum in double, the mean in f32, f32 deviations whose f32 squares are summed in double, the
     * variance and scale in f32, then ((x − m)·scale)·w + b. */
    const float m = (float)(sum_f64(x, c) / (double)c);
    const float var = (float)(sum_sq_f64(x, c, m) / (double)c);
    const float rs = 1.0f / sqrtf(var + s->eps);
    if (s->bias) for (int64_t j = 0; j < c; j++) o[j] = ((x[j] - m) * rs) * s->weight[j] + s->bias[j];
    else for (int64_t j = 0; j < c; j++) o[j] = ((x[j] - m) * rs) * s->weight[j];
    s->mean_out[r] = m;
    s->rstd_out[r] = rs;
  }
}

void KD_FN(kd_layernorm_forward)(const float *x, const float *weight, const float *bias, int64_t n, int64_t c,
                                 float eps, float *out, float *mean, float *rstd) {
  norm_ctx s = {.x = x, .weight = weight, .bias = bias, .n = n, .c = c, .eps = eps, .out = out,
                .mean_out = mean, .rstd_out = rstd, .per_task = kd_rows_per_task(c)};
  kd_run(kd_div_up(n, s.per_task), ln_fwd_task, &s);
}

static void ln_bwd_task(void *vctx, size_t task, int thread) {
  (void)thread;
  const norm_ctx *s = vctx;
  int64_t c = s->c, r0 = (int64_t)task * s->per_task, r1 = kd_min64(s->n, r0 + s->per_task);
  double *dw = s->dw_part + (int64_t)task * c, *db = s->db_part ? s->db_part + (int64_t)task * c : 0;
  for (int64_t r = r0; r < r1; r++) {
    const float *x = s->x + r * c, *g = s->dout + r * c, *w = s->weight;
    float *dx = s->dx + r * c;
    float m = s->mean[r], rs = s->rstd[r];
    /* dnorm = w ⊙ g; dx = rstd · (dnorm − mean(dnorm) − norm · mean(dnorm ⊙ norm)), norm = (x − mean)·rstd */
    double s1 = kd_dot_f64(w, g, c), s2 = (kd_dot3_f64(w, g, x, c) - (double)m * s1) * (double)rs;
    float mdn = (float)(s1 / (double)c), mdnn = (float)(s2 / (double)c);
    for (int64_t j = 0; j < c; j++) {
      float nm = (x[j] - m) * rs;
      dx[j] += (w[j] * g[j] - mdn - nm * mdnn) * rs;
      dw[j] += (double)(g[j] * nm);
    }
    if (db) for (int64_t j = 0; j < c; j++) db[j] += (double)g[j];
  }
}

/* dst[j] += Σ_task part[task][j], tasks in order */
static void combine(float *dst, const double *part, int64_t tasks, int64_t c) {
  for (int64_t j = 0; j < c; j++) {
    double s = 0.0;
    for (int64_t t = 0; t < tasks; t++) s += part[t * c + j];
    dst[j] += (float)s;
  }
}

void KD_FN(kd_layernorm_backward)(const float *dout, const float *x, const float *weight, const float *mean,
                                  const float *rstd, int64_t n, int64_t c, float *dx, float *dweight,
                                  float *dbias) {
  norm_ctx s = {.x = x, .dout = dout, .weight = weight, .mean = mean, .rstd = rstd, .n = n, .c = c, .dx = dx};
  int64_t tasks = norm_tasks(n, c, &s.per_task);
  if (tasks == 0 || c == 0) return;
  s.dw_part = calloc((size_t)(tasks * c * (dbias ? 2 : 1)), sizeof(double));
  if (!s.dw_part) return; /* cannot happen for sane sizes; leaves gradients untouched */
  s.db_part = dbias ? s.dw_part + tasks * c : 0;
  kd_run(tasks, ln_bwd_task, &s);
  combine(dweight, s.dw_part, tasks, c);
  if (dbias) combine(dbias, s.db_part, tasks, c);
  free(s.dw_part);
}

/* ---- RMSNorm ---- */

static void rms_fwd_task(void *vctx, size_t task, int thread) {
  (void)thread;
  const norm_ctx *s = vctx;
  int64_t c = s->c, r0 = (int64_t)task * s->per_task, r1 = kd_min64(s->n, r0 + s->per_task);
  for (int64_t r = r0; r < r1; r++) {
    const float *x = s->x + r * c;
    float *o = s->out + r * c;
    /* ggml's rounding, step for step (ggml-cpu ops.cpp ggml_compute_forward_rms_norm_f32, then ggml_mul by the
     * weight): f32 squares summed in double in order, the mean rounded to f32, scale = 1/sqrtf(mean + eps) in
     * f32, then (x·scale)·w. A more accurate rstd moves one activation in ~10⁴ by an ulp, and where the next
     * op rounds activations to 8 bits (llama.cpp's q8 activations) that ulp can flip a rounding tie. */
    const float mean = (float)(sum_sq_f64(x, c, 0.0f) / (double)c);
    const float rs = 1.0f / sqrtf(mean + s->eps);
    for (int64_t j = 0; j < c; j++) o[j] = (x[j] * rs) * s->weight[j];
    s->rstd_out[r] = rs;
  }
}

void KD_FN(kd_rmsnorm_forward)(const float *x, const float *weight, int64_t n, int64_t c, float eps, float *out,
                               float *rstd) {
  norm_ctx s = {.x = x, .weight = weight, .n = n, .c = c, .eps = eps, .out = out, .rstd_out = rstd,
                .per_task = kd_rows_per_task(c)};
  kd_run(kd_div_up(n, s.per_task), rms_fwd_task, &s);
}

static void rms_bwd_task(void *vctx, size_t task, int thread) {
  (void)thread;
  const norm_ctx *s = vctx;
  int64_t c = s->c, r0 = (int64_t)task * s->per_task, r1 = kd_min64(s->n, r0 + s->per_task);
  double *dw = s->dw_part + (int64_t)task * c;
  for (int64_t r = r0; r < r1; r++) {
    const float *x = s->x + r * c, *g = s->dout + r * c, *w = s->weight;
    float *dx = s->dx + r * c;
    float rs = s->rstd[r];
    /* dx = rstd · (dnorm − norm · mean(dnorm ⊙ norm)), dnorm = w ⊙ g, norm = x · rstd */
    double sx = kd_dot3_f64(w, g, x, c);
    float k = (float)(sx * (double)rs * (double)rs / (double)c); /* mean(dnorm ⊙ norm) / rstd */
    for (int64_t j = 0; j < c; j++) {
      dx[j] += (w[j] * g[j] - x[j] * k) * rs;
      dw[j] += (double)(g[j] * (x[j] * rs));
    }
  }
}

void KD_FN(kd_rmsnorm_backward)(const float *dout, const float *x, const float *weight, const float *rstd,
                                int64_t n, int64_t c, float *dx, float *dweight) {
  norm_ctx s = {.x = x, .dout = dout, .weight = weight, .rstd = rstd, .n = n, .c = c, .dx = dx};
  int64_t tasks = norm_tasks(n, c, &s.per_task);
  if (tasks == 0 || c == 0) return;
  s.dw_part = calloc((size_t)(tasks * c), sizeof(double));
  if (!s.dw_part) return;
  kd_run(tasks, rms_bwd_task, &s);
  combine(dweight, s.dw_part, tasks, c);
  free(s.dw_part);
}
