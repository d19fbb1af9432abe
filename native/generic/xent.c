/* Cross-entropy fused with log-softmax over the vocabulary (rows in parallel, vectorized exp):
 * forward loss_i = lse_i − logits[i, target_i]; backward dlogits_i += dloss_i (softmax_i − onehot(target_i)).
 * Rows whose target is ignore_index — or outside [0, V), which TypeScript rejects before calling — get loss 0
 * and no gradient. Not here: validation and error messages (src/engine/backends/native), the vector primitives. */
#include <math.h>
#include "kd_attn_simd.h"
#include "kd_threadpool.h"
#include "kd_xent.h"

enum {
  ROWS_PER_TASK_MIN_ELEMS = 1 << 16, /* group short rows so a task is ≥ ~64k logits */
  LSE_BLOCK = 2048                   /* logits per block of the one-sweep log-sum-exp (8 KiB, stays in L1) */
};

typedef struct {
  const kd_attn_simd *isa;
  const float *logits;
  const int32_t *targets;
  const float *lse_in, *dlosses;
  float *losses, *lse_out, *dlogits;
  int64_t n, v, rows_per_task;
  int32_t ignore_index;
} xent_ctx;

static int valid_target(const xent_ctx *c, int32_t t) { return t != c->ignore_index && t >= 0 && t < c->v; }

/* log Σ exp(x) in one sweep over memory: per block of LSE_BLOCK logits (in L1) its max, then its exp-sum at the
 * running max (the running sum rescaled when the max grows). −inf logits count as probability 0; a +inf or NaN
 * logit, or a row of only −inf, gives NaN — visible, never a silently wrong loss. */
static float log_sum_exp(const kd_attn_simd *isa, const float *x, int64_t n) {
  float m = -INFINITY, s = 0.0f;
  for (int64_t i = 0; i < n; i += LSE_BLOCK) {
    const int64_t len = n - i < LSE_BLOCK ? n - i : LSE_BLOCK;
    const float bm = isa->max(x + i, len);
    if (bm > m) {
      s = m == -INFINITY ? 0.0f : s * expf(m - bm);
      m = bm;
    }
    s += isa->exp_sum(NULL, x + i, len, m);
  }
  return m + logf(s);
}

static void fwd_task(void *vctx, size_t task, int thread) {
  (void)thread;
  const xent_ctx *c = vctx;
  const int64_t r0 = (int64_t)task * c->rows_per_task;
  const int64_t r1 = r0 + c->rows_per_task < c->n ? r0 + c->rows_per_task : c->n;
  for (int64_t i = r0; i < r1; i++) {
    const float *x = c->logits + i * c->v;
    const float lse = log_sum_exp(c->isa, x, c->v);
    c->lse_out[i] = lse;
    const int32_t t = c->targets[i];
    c->losses[i] = valid_target(c, t) ? lse - x[t] : 0.0f;
  }
}

static void bwd_task(void *vctx, size_t task, int thread) {
  (void)thread;
  const xent_ctx *c = vctx;
  const int64_t r0 = (int64_t)task * c->rows_per_task;
  const int64_t r1 = r0 + c->rows_per_task < c->n ? r0 + c->rows_per_task : c->n;
  for (int64_t i = r0; i < r1; i++) {
    const int32_t t = c->targets[i];
    if (!valid_target(c, t)) continue;
    const float g = c->dlosses[i];
    float *dx = c->dlogits + i * c->v;
    c->isa->exp_axpy(dx, c->logits + i * c->v, c->v, c->lse_in[i], g);
    dx[t] -= g;
  }
}

static int64_t rows_per_task(int64_t v) {
  const int64_t r = ROWS_PER_TASK_MIN_ELEMS / (v > 0 ? v : 1);
  return r < 1 ? 1 : r;
}

void kd_cross_entropy_forward_isa(const kd_attn_simd *isa, const float *logits, const int32_t *targets, int64_t n,
                                  int64_t v, int32_t ignore_index, float *losses, float *lse) {
  if (n <= 0) return;
  xent_ctx c = {isa, logits, targets, NULL, NULL, losses, lse, NULL, n, v, rows_per_task(v), ignore_index};
  kd_parallel_for((size_t)((n + c.rows_per_task - 1) / c.rows_per_task), fwd_task, &c);
}

void kd_cross_entropy_backward_isa(const kd_attn_simd *isa, const float *logits, const int32_t *targets,
                                   const float *lse, const float *dlosses, int64_t n, int64_t v, int32_t ignore_index,
                                   float *dlogits) {
  if (n <= 0) return;
  xent_ctx c = {isa, logits, targets, lse, dlosses, NULL, NULL, dlogits, n, v, rows_per_task(v), ignore_index};
  kd_parallel_for((size_t)((n + c.rows_per_task - 1) / c.rows_per_task), bwd_task, &c);
}

void kd_cross_entropy_forward(const float *logits, const int32_t *targets, int64_t n, int64_t v, int32_t ignore_index,
                              float *losses, float *lse) {
  kd_cross_entropy_forward_isa(kd_attn_simd_best(), logits, targets, n, v, ignore_index, losses, lse);
}

void kd_cross_entropy_backward(const float *logits, const int32_t *targets, const float *lse, const float *dlosses,
                               int64_t n, int64_t v, int32_t ignore_index, float *dlogits) {
  kd_cross_entropy_backward_isa(kd_attn_simd_best(), logits, targets, lse, dlosses, n, v, ignore_index, dlogits);
}
