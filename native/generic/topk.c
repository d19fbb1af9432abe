/* Top-k selection for the sampler: the ids of the k largest logits of one row, in decreasing order, ties to the
 * lower id — the kernel of src/infer/sampler.ts topIds, whose TypeScript heap is the specification (pure
 * comparisons, no arithmetic on the values, so the two agree exactly). Not here: temperature, softmax, top-p
 * (TypeScript, float64, on the k survivors). Compiled per ISA (kd_impl.h): the rejection scan tests 16 values at a
 * time with one unordered compare (AVX-512; two with AVX2; a loop in the generic build). */
#include <stdlib.h>
#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif
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

/* Whether any of x[0..16) is not <= worst (above it, or NaN): one unordered compare per vector. */
static inline int block_may_enter(const float *x, float worst) {
#if defined(__AVX512F__)
  return _mm512_cmp_ps_mask(_mm512_loadu_ps(x), _mm512_set1_ps(worst), _CMP_NLE_UQ) != 0;
#elif defined(__AVX2__)
  const __m256 w = _mm256_set1_ps(worst);
  const __m256 a = _mm256_cmp_ps(_mm256_loadu_ps(x), w, _CMP_NLE_UQ), b = _mm256_cmp_ps(_mm256_loadu_ps(x + 8), w, _CMP_NLE_UQ);
  return _mm256_movemask_ps(_mm256_or_ps(a, b)) != 0;
#else
  int any = 0;
  for (int j = 0; j < 16; j++) any |= !(x[j] <= worst);
  return any;
#endif
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
    if (!block_may_enter(x + i, worst)) continue;
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
  /* Heap sort: the worst kept goes last, and so on up; ids[0] is the best (no qsort: its calls cost more than the
   * scan at k = 40). */
  for (int64_t end = k - 1; end >= 0; end--) {
    ids[end] = h[0].id;
    h[0] = h[end];
    sift_down(h, end, 0);
  }
  free(h);
  return k;
nan:
  free(h);
  return -1;
}
