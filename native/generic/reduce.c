/* Reductions (sum, mean, max, min) over any set of axes, keepdims layout; sums accumulate in double.
 * Not here: row softmax/norm statistics (softmax.c, norm.c). Compiled per ISA (kd_impl.h). */
#include <math.h>
#include <stdlib.h>
#include "kd_impl.h"
#include "kd_kernels.h"

/* After dropping size-1 dims and merging neighbours of the same kind, dims alternate kept/reduced. */
typedef struct {
  kd_reduce_op op;
  const float *x;
  float *out;
  int nd;
  int64_t size[KD_MAX_RANK], stride[KD_MAX_RANK];
  uint8_t red[KD_MAX_RANK];
  /* kept dims (outer to inner, excluding the innermost when it is kept) and reduced dims */
  int nk, nr;
  int64_t ksize[KD_MAX_RANK], kstride[KD_MAX_RANK], rsize[KD_MAX_RANK], rstride[KD_MAX_RANK];
  int64_t count;     /* elements reduced into each output */
  int64_t inner;     /* innermost dim size */
  int inner_red;     /* innermost dim is reduced (contiguous rows) or kept (contiguous columns) */
  int64_t per_task;  /* outputs (inner_red) or kept-outer indices (else) per task */
  int64_t tiles;     /* column tiles per kept-outer index (inner kept) */
} red_plan;

#define RED_TILE 256

static double red_init(kd_reduce_op op) {
  return op == KD_RED_MAX ? -INFINITY : op == KD_RED_MIN ? INFINITY : 0.0;
}

/* Base offset of x for kept-outer index o. */
static int64_t kept_offset(const red_plan *p, int64_t o) {
  int64_t off = 0;
  for (int k = p->nk - 1; k >= 0; k--) {
    off += (o % p->ksize[k]) * p->kstride[k];
    o /= p->ksize[k];
  }
  return off;
}

static float row_max(const float *x, int64_t n, float m, int is_max) {
  for (int64_t i = 0; i < n; i++) {
    float v = x[i];
    if (v != v) return v;
    m = is_max ? (v > m ? v : m) : (v < m ? v : m);
  }
  return m;
}

/* Inner dim reduced: each output is a sum over rsize-odometer of contiguous rows of `inner`. */
static void task_rows(void *vctx, size_t task, int thread) {
  (void)thread;
  const red_plan *p = vctx;
  int64_t n_out = 1;
  for (int k = 0; k < p->nk; k++) n_out *= p->ksize[k];
  int64_t o0 = (int64_t)task * p->per_task, o1 = kd_min64(n_out, o0 + p->per_task);
  int64_t outer_red = p->count / p->inner;
  for (int64_t o = o0; o < o1; o++) {
    int64_t base = kept_offset(p, o);
    double acc = red_init(p->op);
    float m = (float)acc;
    for (int64_t r = 0; r < outer_red; r++) {
      int64_t off = base, rr = r;
      for (int k = p->nr - 2; k >= 0; k--) { /* the last reduced dim is the innermost */
        off += (rr % p->rsize[k]) * p->rstride[k];
        rr /= p->rsize[k];
      }
      if (p->op == KD_RED_SUM || p->op == KD_RED_MEAN) acc += kd_sum_f64(p->x + off, p->inner);
      else m = row_max(p->x + off, p->inner, m, p->op == KD_RED_MAX);
    }
    p->out[o] = p->op == KD_RED_SUM ? (float)acc
              : p->op == KD_RED_MEAN ? (float)(acc / (double)p->count) : m;
  }
}

/* acc[j] = Σ_r (double)x[r·rs + j] for j < w, rows in order from 0.0: the sums of the general loop below, with
 * 32 columns at a time held in registers over a chunk of rows (whose ≤ RED_TILE columns stay in L2 from one
 * 32-column strip to the next) instead of a stack array loaded and stored per row. */
#define COL_TILE 32
#define ROW_CHUNK 256
static void column_sums(const float *x, int64_t rows, int64_t rs, int64_t w, double *acc) {
  for (int64_t j = 0; j < w; j++) acc[j] = 0.0;
  for (int64_t r0 = 0; r0 < rows; r0 += ROW_CHUNK) {
    const int64_t r1 = rows - r0 < ROW_CHUNK ? rows : r0 + ROW_CHUNK;
    int64_t j = 0;
    for (; j + COL_TILE <= w; j += COL_TILE) {
      double a[COL_TILE];
      for (int q = 0; q < COL_TILE; q++) a[q] = acc[j + q];
      const float *xr = x + r0 * rs + j;
      for (int64_t r = r0; r < r1; r++, xr += rs)
        for (int q = 0; q < COL_TILE; q++) a[q] += (double)xr[q];
      for (int q = 0; q < COL_TILE; q++) acc[j + q] = a[q];
    }
    for (; j < w; j++) {
      double a = acc[j];
      for (int64_t r = r0; r < r1; r++) a += (double)x[r * rs + j];
      acc[j] = a;
    }
  }
}

/* Inner dim kept: tiles of RED_TILE contiguous outputs accumulate rows in order. */
static void task_cols(void *vctx, size_t task, int thread) {
  (void)thread;
  const red_plan *p = vctx;
  int64_t n_outer = 1;
  for (int k = 0; k < p->nk; k++) n_outer *= p->ksize[k];
  int64_t u0 = (int64_t)task * p->per_task, u1 = kd_min64(n_outer * p->tiles, u0 + p->per_task);
  double acc[RED_TILE];
  float m[RED_TILE];
  int is_sum = p->op == KD_RED_SUM || p->op == KD_RED_MEAN, is_max = p->op == KD_RED_MAX;
  for (int64_t u = u0; u < u1; u++) {
    int64_t o = u / p->tiles, j0 = (u % p->tiles) * RED_TILE, w = kd_min64(RED_TILE, p->inner - j0);
    int64_t base = kept_offset(p, o) + j0;
    if (is_sum && p->nr == 1) { /* one reduced dim (a bias gradient's row sums): column_sums, same order */
      column_sums(p->x + base, p->count, p->rstride[0], w, acc);
      float *out = p->out + o * p->inner + j0;
      if (p->op == KD_RED_SUM) for (int64_t j = 0; j < w; j++) out[j] = (float)acc[j];
      else for (int64_t j = 0; j < w; j++) out[j] = (float)(acc[j] / (double)p->count);
      continue;
    }
    for (int64_t j = 0; j < w; j++) { acc[j] = 0.0; m[j] = (float)red_init(p->op); }
    for (int64_t r = 0; r < p->count; r++) {
      int64_t off = base, rr = r;
      for (int k = p->nr - 1; k >= 0; k--) {
        off += (rr % p->rsize[k]) * p->rstride[k];
        rr /= p->rsize[k];
      }
      const float *x = p->x + off;
      if (is_sum) for (int64_t j = 0; j < w; j++) acc[j] += (double)x[j];
      else if (is_max) for (int64_t j = 0; j < w; j++) { float v = x[j]; m[j] = (v > m[j] || v != v) && m[j] == m[j] ? v : m[j]; }
      else for (int64_t j = 0; j < w; j++) { float v = x[j]; m[j] = (v < m[j] || v != v) && m[j] == m[j] ? v : m[j]; }
    }
    float *out = p->out + o * p->inner + j0;
    if (p->op == KD_RED_SUM) for (int64_t j = 0; j < w; j++) out[j] = (float)acc[j];
    else if (p->op == KD_RED_MEAN) for (int64_t j = 0; j < w; j++) out[j] = (float)(acc[j] / (double)p->count);
    else for (int64_t j = 0; j < w; j++) out[j] = m[j];
  }
}

void KD_FN(kd_reduce)(kd_reduce_op op, const float *x, int rank, const int64_t *shape, const uint8_t *reduce_axis,
                      float *out) {
  red_plan p;
  memset(&p, 0, sizeof p);
  p.op = op;
  p.x = x;
  p.out = out;
  int64_t total = 1, n_out = 1;
  for (int i = 0; i < rank; i++) {
    total *= shape[i];
    if (!reduce_axis[i]) n_out *= shape[i];
  }
  if (n_out == 0) return;
  if (total == 0) { /* empty reduction */
    float v = op == KD_RED_SUM ? 0.0f : op == KD_RED_MEAN ? NAN : (float)red_init(op);
    for (int64_t i = 0; i < n_out; i++) out[i] = v;
    return;
  }
  int64_t st = 1;
  int64_t strides[KD_MAX_RANK];
  for (int i = rank - 1; i >= 0; i--) { strides[i] = st; st *= shape[i]; }
  for (int i = 0; i < rank; i++) {
    if (shape[i] == 1) continue;
    if (p.nd > 0 && p.red[p.nd - 1] == (reduce_axis[i] != 0)) {
      p.size[p.nd - 1] *= shape[i];
      p.stride[p.nd - 1] = strides[i];
      continue;
    }
    p.size[p.nd] = shape[i];
    p.stride[p.nd] = strides[i];
    p.red[p.nd] = reduce_axis[i] != 0;
    p.nd++;
  }
  if (p.nd == 0) { /* every dim is 1: a copy */
    out[0] = x[0];
    return;
  }
  p.count = 1;
  for (int i = 0; i < p.nd; i++) {
    if (p.red[i]) {
      p.rsize[p.nr] = p.size[i];
      p.rstride[p.nr++] = p.stride[i];
      p.count *= p.size[i];
    } else if (i < p.nd - 1) {
      p.ksize[p.nk] = p.size[i];
      p.kstride[p.nk++] = p.stride[i];
    }
  }
  p.inner = p.size[p.nd - 1];
  p.inner_red = p.red[p.nd - 1];
  if (p.inner_red) {
    p.per_task = kd_max64(1, KD_CHUNK / p.count);
    kd_run(kd_div_up(n_out, p.per_task), task_rows, &p);
  } else {
    if (p.count == 1) { /* nothing reduced after dropping size-1 dims: a copy */
      memcpy(out, x, (size_t)n_out * sizeof(float));
      return;
    }
    p.tiles = kd_div_up(p.inner, RED_TILE);
    int64_t n_outer = n_out / p.inner;
    p.per_task = kd_max64(1, KD_CHUNK / (p.count * kd_min64(p.inner, RED_TILE)));
    kd_run(kd_div_up(n_outer * p.tiles, p.per_task), task_cols, &p);
  }
}
