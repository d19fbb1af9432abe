/* Row softmax (max-subtracted) and its backward dx += y ⊙ (dOut − rowsum(dOut ⊙ y)); sums in double.
 * Not here: the fused log-softmax of cross-entropy (kd_xent.h) or attention's online softmax. Per ISA. */
#include <math.h>
#include "kd_impl.h"
#include "kd_kernels.h"

typedef struct {
  const float *x, *y;
  int64_t n, c;
  float *out;
  int64_t per_task;
} sm_ctx;

static void fwd_task(void *vctx, size_t task, int thread) {
  (void)thread;
  const sm_ctx *s = vctx;
  int64_t c = s->c, r0 = (int64_t)task * s->per_task, r1 = kd_min64(s->n, r0 + s->per_task);
  for (int64_t r = r0; r < r1; r++) {
    const float *x = s->x + r * c;
    float *o = s->out + r * c;
    float m = kd_max_f32(x, c);
    if (m == -INFINITY) m = 0.0f; /* a row of -inf: keep exp finite (gives NaN like the spec's 0/0) */
    int64_t j;
    for (j = 0; j < c; j++) o[j] = kd_expf(x[j] - m);
    double sum = kd_sum_f64(o, c);
    float inv = (float)(1.0 / sum);
    for (j = 0; j < c; j++) o[j] *= inv;
  }
}

void KD_FN(kd_softmax_forward)(const float *x, int64_t n, int64_t c, float *out) {
  sm_ctx s = {x, 0, n, c, out, kd_rows_per_task(c)};
  kd_run(c > 0 ? kd_div_up(n, s.per_task) : 0, fwd_task, &s);
}

/* here x is dOut and out is dx */
static void bwd_task(void *vctx, size_t task, int thread) {
  (void)thread;
  const sm_ctx *s = vctx;
  int64_t c = s->c, r0 = (int64_t)task * s->per_task, r1 = kd_min64(s->n, r0 + s->per_task);
  for (int64_t r = r0; r < r1; r++) {
    const float *g = s->x + r * c, *y = s->y + r * c;
    float *dx = s->out + r * c;
    double dot = kd_dot_f64(g, y, c);
    float d = (float)dot;
    for (int64_t j = 0; j < c; j++) dx[j] += y[j] * (g[j] - d);
  }
}

void KD_FN(kd_softmax_backward)(const float *dout, const float *y, int64_t n, int64_t c, float *dx) {
  sm_ctx s = {dout, y, n, c, dx, kd_rows_per_task(c)};
  kd_run(c > 0 ? kd_div_up(n, s.per_task) : 0, bwd_task, &s);
}
