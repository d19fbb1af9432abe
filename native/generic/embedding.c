/* Embedding lookup and its scatter-add gradient. Ids are checked before anything is written.
 * Not here: the one-hot/cross-entropy side of the vocabulary (kd_xent.h). Portable C, one ISA path. */
#include "kd_impl.h"
#include "kd_kernels.h"

#define EMB_COLS 512 /* gradient columns per task: each task owns a column range, rows in order */

typedef struct {
  const float *src;
  const int32_t *ids;
  int64_t n, c;
  float *dst;
  int64_t per_task;
} emb_ctx;

static int64_t first_bad_id(const int32_t *ids, int64_t n, int64_t v) {
  for (int64_t i = 0; i < n; i++)
    if (ids[i] < 0 || (int64_t)ids[i] >= v) return i;
  return -1;
}

static void fwd_task(void *vctx, size_t task, int thread) {
  (void)thread;
  const emb_ctx *e = vctx;
  int64_t i0 = (int64_t)task * e->per_task, i1 = kd_min64(e->n, i0 + e->per_task);
  for (int64_t i = i0; i < i1; i++)
    memcpy(e->dst + i * e->c, e->src + (int64_t)e->ids[i] * e->c, (size_t)e->c * sizeof(float));
}

int64_t kd_embedding_forward(const float *weight, const int32_t *ids, int64_t n, int64_t c, int64_t v,
                             float *out) {
  int64_t bad = first_bad_id(ids, n, v);
  if (bad >= 0) return bad;
  emb_ctx e = {weight, ids, n, c, out, kd_rows_per_task(c)};
  kd_run(kd_div_up(n, e.per_task), fwd_task, &e);
  return -1;
}

/* dWeight[ids[i], j0:j1] += dOut[i, j0:j1] for every i in order: repeated ids sum deterministically. */
static void bwd_task(void *vctx, size_t task, int thread) {
  (void)thread;
  const emb_ctx *e = vctx;
  int64_t j0 = (int64_t)task * EMB_COLS, j1 = kd_min64(e->c, j0 + EMB_COLS);
  for (int64_t i = 0; i < e->n; i++) {
    const float *g = e->src + i * e->c;
    float *w = e->dst + (int64_t)e->ids[i] * e->c;
    for (int64_t j = j0; j < j1; j++) w[j] += g[j];
  }
}

int64_t kd_embedding_backward(const float *dout, const int32_t *ids, int64_t n, int64_t c, int64_t v,
                              float *dweight) {
  int64_t bad = first_bad_id(ids, n, v);
  if (bad >= 0) return bad;
  emb_ctx e = {dout, ids, n, c, dweight, 0};
  kd_run(n > 0 ? kd_div_up(c, EMB_COLS) : 0, bwd_task, &e);
  return -1;
}
