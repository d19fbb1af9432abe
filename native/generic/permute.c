/* Axis permutation (transpose) of a dense tensor: contiguous row copies when the innermost axis stays, and
 * 32×32 tiles otherwise. Not here: broadcasting copies (elementwise.c). Portable C, one ISA path. */
#include "kd_impl.h"
#include "kd_kernels.h"

#define PERM_TILE 32

typedef struct {
  const float *x;
  float *out;
  int nd;
  int64_t size[KD_MAX_RANK];  /* out dims after dropping 1s and merging */
  int64_t xs[KD_MAX_RANK];    /* x stride of each out dim */
  int64_t os[KD_MAX_RANK];    /* out stride of each out dim */
  int64_t total;
  int tj;                     /* tiled path: the out dim whose x stride is 1 (< nd - 1) */
  int64_t n_outer, jblocks;   /* tiled path: odometer over dims other than tj and the last; blocks of tj */
  int64_t units_per_task;     /* tiled path: (outer, j-block) units per task */
} perm_plan;

/* Fast path: the innermost out dim is contiguous in x, copy runs. */
static void task_rows(void *vctx, size_t task, int thread) {
  (void)thread;
  const perm_plan *p = vctx;
  int64_t e = (int64_t)task * KD_CHUNK, end = kd_min64(p->total, e + KD_CHUNK);
  int64_t inner = p->size[p->nd - 1];
  while (e < end) {
    int64_t off = 0, r = e;
    for (int k = p->nd - 1; k >= 0; k--) {
      off += (r % p->size[k]) * p->xs[k];
      r /= p->size[k];
    }
    int64_t len = kd_min64(inner - e % inner, end - e);
    memcpy(p->out + e, p->x + off, (size_t)len * sizeof(float));
    e += len;
  }
}

static void tile_unit(const perm_plan *p, int64_t unit) {
  int last = p->nd - 1, tj = p->tj;
  int64_t o = unit / p->jblocks, jb = unit % p->jblocks;
  int64_t xoff = 0, ooff = 0;
  for (int k = p->nd - 1; k >= 0; k--) {
    if (k == last || k == tj) continue;
    int64_t i = o % p->size[k];
    o /= p->size[k];
    xoff += i * p->xs[k];
    ooff += i * p->os[k];
  }
  int64_t j0 = jb * PERM_TILE, j1 = kd_min64(p->size[tj], j0 + PERM_TILE), jw = j1 - j0;
  int64_t n = p->size[last], xs_last = p->xs[last], os_j = p->os[tj];
  float tile[PERM_TILE][PERM_TILE + 1];
  for (int64_t l0 = 0; l0 < n; l0 += PERM_TILE) {
    int64_t lw = kd_min64(n, l0 + PERM_TILE) - l0;
    for (int64_t l = 0; l < lw; l++) { /* contiguous reads along tj (x stride 1) */
      const float *xr = p->x + xoff + j0 + (l0 + l) * xs_last;
      for (int64_t j = 0; j < jw; j++) tile[j][l] = xr[j];
    }
    for (int64_t j = 0; j < jw; j++) /* contiguous writes along the last out dim */
      memcpy(p->out + ooff + (j0 + j) * os_j + l0, tile[j], (size_t)lw * sizeof(float));
  }
}

static void task_tiles(void *vctx, size_t task, int thread) {
  (void)thread;
  const perm_plan *p = vctx;
  int64_t u0 = (int64_t)task * p->units_per_task, u1 = kd_min64(p->n_outer * p->jblocks, u0 + p->units_per_task);
  for (int64_t u = u0; u < u1; u++) tile_unit(p, u);
}

void kd_permute(const float *x, int rank, const int64_t *shape, const int32_t *perm, float *out) {
  perm_plan p;
  memset(&p, 0, sizeof p);
  p.x = x;
  p.out = out;
  int64_t xstr[KD_MAX_RANK], st = 1;
  for (int i = rank - 1; i >= 0; i--) { xstr[i] = st; st *= shape[i]; }
  p.total = st;
  if (p.total == 0) return;
  for (int i = 0; i < rank; i++) {
    int64_t sz = shape[perm[i]], xs = xstr[perm[i]];
    if (sz == 1) continue;
    if (p.nd > 0 && p.xs[p.nd - 1] == xs * sz) { /* consecutive in x too: merge */
      p.size[p.nd - 1] *= sz;
      p.xs[p.nd - 1] = xs;
      continue;
    }
    p.size[p.nd] = sz;
    p.xs[p.nd++] = xs;
  }
  if (p.nd == 0) {
    out[0] = x[0];
    return;
  }
  st = 1;
  for (int k = p.nd - 1; k >= 0; k--) { p.os[k] = st; st *= p.size[k]; }
  if (p.xs[p.nd - 1] == 1) {
    kd_run(kd_div_up(p.total, KD_CHUNK), task_rows, &p);
    return;
  }
  p.tj = 0;
  for (int k = 0; k < p.nd; k++) if (p.xs[k] == 1) p.tj = k;
  p.jblocks = kd_div_up(p.size[p.tj], PERM_TILE);
  p.n_outer = p.total / (p.size[p.tj] * p.size[p.nd - 1]);
  p.units_per_task = kd_max64(1, KD_CHUNK / (PERM_TILE * p.size[p.nd - 1]));
  kd_run(kd_div_up(p.n_outer * p.jblocks, p.units_per_task), task_tiles, &p);
}
