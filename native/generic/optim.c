/* AdamW update (Loshchilov & Hutter 2019) and Σx² in double for the global gradient norm.
 * Not here: learning-rate schedules or clipping policy (the train layer composes them). Per ISA. */
#include <math.h>
#include <stdlib.h>
#include "kd_impl.h"
#include "kd_kernels.h"

typedef struct {
  float *param, *m, *v;
  const float *grad;
  int64_t n;
  float lr, b1, b2, c1, c2, eps, wd, bc1, bc2; /* c = 1 − β, bc = 1 − β^step, all formed in double */
} adam_ctx;

static void adam_task(void *vctx, size_t task, int thread) {
  (void)thread;
  const adam_ctx *s = vctx;
  int64_t i0 = (int64_t)task * KD_CHUNK, n = kd_min64(s->n - i0, KD_CHUNK);
  float *p = s->param + i0, *m = s->m + i0, *v = s->v + i0;
  const float *g = s->grad + i0;
  float b1 = s->b1, b2 = s->b2, c1 = s->c1, c2 = s->c2;
  float lr = s->lr, eps = s->eps, wd = s->wd, bc1 = s->bc1, bc2 = s->bc2; /* locals: p[i] may alias s */
  for (int64_t i = 0; i < n; i++) {
    float mi = b1 * m[i] + c1 * g[i];
    float vi = b2 * v[i] + c2 * (g[i] * g[i]);
    m[i] = mi;
    v[i] = vi;
    float mhat = mi / bc1, vhat = vi / bc2;
    p[i] -= lr * (mhat / (sqrtf(vhat) + eps) + wd * p[i]);
  }
}

void KD_FN(kd_adamw)(float *param, const float *grad, float *m, float *v, int64_t n, double lr, double beta1,
                     double beta2, double eps, double weight_decay, int64_t step) {
  adam_ctx s = {param, m, v, grad, n, (float)lr, (float)beta1, (float)beta2, (float)(1.0 - beta1), (float)(1.0 - beta2),
                (float)eps, (float)weight_decay, (float)(1.0 - pow(beta1, (double)step)),
                (float)(1.0 - pow(beta2, (double)step))};
  kd_run(kd_div_up(n, KD_CHUNK), adam_task, &s);
}

typedef struct {
  const float *x;
  int64_t n;
  double *part;
} ss_ctx;

static void ss_task(void *vctx, size_t task, int thread) {
  (void)thread;
  const ss_ctx *s = vctx;
  int64_t i0 = (int64_t)task * KD_CHUNK, n = kd_min64(s->n - i0, KD_CHUNK);
  const float *x = s->x + i0;
  double t = kd_dot_f64(x, x, n);
  s->part[task] = t;
}

double KD_FN(kd_sum_squares)(const float *x, int64_t n) {
  int64_t tasks = kd_div_up(n, KD_CHUNK);
  double one, *part = tasks <= 1 ? &one : malloc((size_t)tasks * sizeof(double));
  if (tasks == 0) return 0.0;
  if (!part) return NAN;
  ss_ctx s = {x, n, part};
  kd_run(tasks, ss_task, &s);
  double total = 0.0;
  for (int64_t t = 0; t < tasks; t++) total += part[t];
  if (part != &one) free(part);
  return total;
}
