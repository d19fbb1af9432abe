/* Top-k selection for the sampler: the ids of the k largest logits of one row, in decreasing order, ties to the
 * lower id — the kernel of src/infer/sampler.ts topIds, whose TypeScript heap is the specification (pure
 * comparisons, no arithmetic on the values, so the two agree exactly). Not here: temperature, softmax, top-p
 * (TypeScript, float64, on the k survivors). Compiled per ISA (kd_impl.h): the rejection scan over 16 values at a
 * time vectorizes. */
#include <stdlib.h>
#include "kd_impl.h"
#include "kd_kernels.h"

typedef struct {
  float v;
  int32_t id;
} kd_topk_item;

/* a ranks below b: a smaller value, or the same value and a larger id. */
static inline int below(kd_topk_item a, kd_topk_item b) { return a.v < b.v || (a.v == b.v && a.id > b.id); }

static void sift_down(kd_topk_item *h, int64_t size, int64_t i) {
  for (;;) {
    int64_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < size && below(h[l], h[m])) m = l;
    if (r < size && below(h[r], h[m])) m = r;
    if (m == i) return;
    kd_topk_item t = h[i];
    h[i] = h[m];
    h[m] = t;
    i = m;
  }
}

/* Decreasing value, then increasing id (no NaN here). */
static int by_rank(const void *pa, const void *pb) {
  const kd_topk_item *a = pa, *b = pb;
  if (a->v != b->v) return a->v > b->v ? -1 : 1;
  return a->id < b->id ? -1 : a->id > b->id;
}

/* Offers id (value xv) to the min-heap h of size *size (capacity k). */
static inline void offer(kd_topk_item *h, int64_t *size, int64_t k, float xv, int32_t id) {
  kd_topk_item it = {xv, id};
  if (*size < k) {
    int64_t i = (*size)++;
    h[i] = it;
    while (i > 0) {
      int64_t p = (i - 1) >> 1;
      if (!below(h[i], h[p])) break;
      kd_topk_item t = h[i];
      h[i] = h[p];
      h[p] = t;
      i = p;
    }
  } else if (below(h[0], it)) {
    h[0] = it;
    sift_down(h, *size, 0);
  }
}

int64_t KD_FN(kd_top_k)(const float *x, int64_t v, int64_t k, int32_t *ids) {
  if (k < 1 || k > v) return -1;
  kd_topk_item *h = malloc((size_t)k * sizeof *h);
  if (h == NULL) return -1;
  int64_t size = 0, i = 0;
  float worst = 0;
  /* Fill the heap; a NaN anywhere hands the row back to the specification (its order is the sort's business). */
  for (; i < v && size < k; i++) {
    if (x[i] != x[i]) goto nan;
    offer(h, &size, k, x[i], (int32_t)i);
  }
  worst = h[0].v;
  /* Once full, an id enters only above the worst kept value (ids come in increasing order, so a tie never
   * enters). 16 values at a time: any lane not <= worst (above it, or NaN) sends the block to the slow path. */
  for (; i + 16 <= v; i += 16) {
    int any = 0;
    for (int j = 0; j < 16; j++) any |= !(x[i + j] <= worst);
    if (!any) continue;
    for (int j = 0; j < 16; j++) {
      const float xv = x[i + j];
      if (xv != xv) goto nan;
      if (xv > worst) {
        offer(h, &size, k, xv, (int32_t)(i + j));
        worst = h[0].v;
      }
    }
  }
  for (; i < v; i++) {
    const float xv = x[i];
    if (xv != xv) goto nan;
    if (xv > worst) {
      offer(h, &size, k, xv, (int32_t)i);
      worst = h[0].v;
    }
  }
  qsort(h, (size_t)k, sizeof *h, by_rank);
  for (int64_t j = 0; j < k; j++) ids[j] = h[j].id;
  free(h);
  return k;
nan:
  free(h);
  return -1;
}
