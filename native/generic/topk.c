/* Top-k selection for the sampler: the ids of the k largest logits of one row, in decreasing order, ties to the
 * lower id — the kernel of src/infer/sampler.ts topIds, whose TypeScript heap is the specification (pure
 * comparisons, no arithmetic on the values, so the two agree exactly). Not here: temperature, softmax, top-p
 * (TypeScript, float64, on the k survivors). Compiled per ISA (kd_impl.h): the rejection scan tests 16 values at a
 * time with one unordered compare (AVX-512; two with AVX2; a loop in the generic build).
 *
 * Rows of at least 256 values with k ≤ 128 first bound the k-th largest value from below in one vector pass: each
 * of 16 lanes (x[i] with i mod 16 = l) keeps its r = ⌈k/16⌉ + 1 largest values, and T, the k-th largest of those
 * 16·r distinct elements, has at least k elements ≥ T, so no element < T can be among the top k. Only elements ≥ T
 * (about 43 a row at V = 4096, k = 40 on Gaussian logits, instead of ~200 heap entries when the heap's own minimum
 * is the bar) are offered to the heap, whose order alone decides which are kept: the ids are those of the plain
 * scan. */
#include <math.h>
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

#define KD_TOPK_MAX_R 8 /* rows with k ≤ 16·8 = 128 take the bounded path (lane_bound keeps up to 9 ranks) */

/* Sets *t to a lower bound of the k-th largest value of x (see the header) and returns 1; returns -1 when x holds a
 * NaN anywhere (the bound is then not used). r = ⌈k/16⌉ + 1 running maxima per lane (the lane's r largest values, a
 * sorting network of min/max per new vector), *t the k-th largest of those 16·r values: at least k elements are
 * ≥ *t. _mm512_max_ps / _mm512_min_ps of non-NaN values are exact (of ±0 either zero: the same bound, numerically). */
static int lane_bound(const float *x, int64_t v, int64_t k, float *t) {
  /* One rank more than 16·r ≥ k needs, so that the k-th largest of the 16·r lane values sits closer to the row's
   * own k-th largest. */
  const int r = (int)((k + 15) / 16) + 1;
  float lv[16 * (KD_TOPK_MAX_R + 1)];
  const int64_t whole = v / 16 * 16;
  int nan = 0;
#if defined(__AVX512F__)
  __m512 a[KD_TOPK_MAX_R + 1];
  for (int j = 0; j < r; j++) a[j] = _mm512_set1_ps(-INFINITY);
  __mmask16 un = 0;
  for (int64_t i = 0; i < whole; i += 16) {
    __m512 y = _mm512_loadu_ps(x + i);
    un |= _mm512_cmp_ps_mask(y, y, _CMP_UNORD_Q);
    for (int j = 0; j < r; j++) { /* insert y: a[j] keeps the larger, the smaller moves down */
      const __m512 hi = _mm512_max_ps(a[j], y);
      y = _mm512_min_ps(a[j], y);
      a[j] = hi;
    }
  }
  nan = un != 0;
  for (int j = 0; j < r; j++) _mm512_storeu_ps(lv + 16 * j, a[j]);
#elif defined(__AVX2__)
  __m256 a[2 * (KD_TOPK_MAX_R + 1)];
  for (int j = 0; j < 2 * r; j++) a[j] = _mm256_set1_ps(-INFINITY);
  __m256 un = _mm256_setzero_ps();
  for (int64_t i = 0; i < whole; i += 16) {
    __m256 y0 = _mm256_loadu_ps(x + i), y1 = _mm256_loadu_ps(x + i + 8);
    un = _mm256_or_ps(un, _mm256_or_ps(_mm256_cmp_ps(y0, y0, _CMP_UNORD_Q), _mm256_cmp_ps(y1, y1, _CMP_UNORD_Q)));
    for (int j = 0; j < r; j++) {
      const __m256 h0 = _mm256_max_ps(a[2 * j], y0), h1 = _mm256_max_ps(a[2 * j + 1], y1);
      y0 = _mm256_min_ps(a[2 * j], y0);
      y1 = _mm256_min_ps(a[2 * j + 1], y1);
      a[2 * j] = h0;
      a[2 * j + 1] = h1;
    }
  }
  nan = _mm256_movemask_ps(un) != 0;
  for (int j = 0; j < 2 * r; j++) _mm256_storeu_ps(lv + 8 * j, a[j]);
#else
  float a[KD_TOPK_MAX_R + 1][16];
  for (int j = 0; j < r; j++)
    for (int l = 0; l < 16; l++) a[j][l] = -INFINITY;
  for (int64_t i = 0; i < whole; i += 16)
    for (int l = 0; l < 16; l++) {
      float y = x[i + l];
      nan |= y != y;
      for (int j = 0; j < r; j++) {
        const float hi = y > a[j][l] ? y : a[j][l];
        y = y > a[j][l] ? a[j][l] : y;
        a[j][l] = hi;
      }
    }
  for (int j = 0; j < r; j++)
    for (int l = 0; l < 16; l++) lv[16 * j + l] = a[j][l];
#endif
  for (int64_t i = whole; i < v; i++) nan |= x[i] != x[i];
  if (nan) return -1;
  /* The 16·r lane values are distinct elements of x: the largest of them with at least k of them ≥ it (their k-th
   * largest) is a bound. Counted without branches (n² compares, n = 16·r ≤ 144). */
  const int n = 16 * r;
  float best = -INFINITY;
  for (int i = 0; i < n; i++) {
    int c = 0;
    for (int j = 0; j < n; j++) c += lv[j] >= lv[i];
    best = c >= k && lv[i] > best ? lv[i] : best;
  }
  *t = best;
  return 1;
}

/* Whether any of x[0..16) is >= t (no NaN in x: lane_bound checked). */
static inline int block_reaches(const float *x, float t) {
#if defined(__AVX512F__)
  return _mm512_cmp_ps_mask(_mm512_loadu_ps(x), _mm512_set1_ps(t), _CMP_GE_OQ) != 0;
#elif defined(__AVX2__)
  const __m256 w = _mm256_set1_ps(t);
  const __m256 a = _mm256_cmp_ps(_mm256_loadu_ps(x), w, _CMP_GE_OQ), b = _mm256_cmp_ps(_mm256_loadu_ps(x + 8), w, _CMP_GE_OQ);
  return _mm256_movemask_ps(_mm256_or_ps(a, b)) != 0;
#else
  int any = 0;
  for (int j = 0; j < 16; j++) any |= x[j] >= t;
  return any;
#endif
}

/* Heap sort of the full heap h (k items) into ids, best first (no qsort: its calls cost more than the scan at
 * k = 40). */
static void drain(kd_topk_item *h, int64_t k, int32_t *ids) {
  for (int64_t end = k - 1; end >= 0; end--) {
    ids[end] = h[0].id;
    h[0] = h[end];
    sift_down(h, end, 0);
  }
}

int64_t KD_FN(kd_top_k)(const float *x, int64_t v, int64_t k, int32_t *ids) {
  if (k < 1 || k > v) return -1;
  kd_topk_item *h = malloc((size_t)k * sizeof *h);
  if (h == NULL) return -1;
  int64_t size = 0, i = 0;
  float worst = 0, bound = 0;
  const int bounded = k <= 16 * KD_TOPK_MAX_R && v >= 256 ? lane_bound(x, v, k, &bound) : 0;
  if (bounded < 0) goto nan;
  if (bounded) {
    /* Only elements >= bound can be among the top k; at least k of them exist, so the heap fills. */
    for (; i + 16 <= v; i += 16) {
      if (!block_reaches(x + i, bound)) continue;
      for (int j = 0; j < 16; j++)
        if (x[i + j] >= bound) offer(h, &size, k, x[i + j], (int32_t)(i + j));
    }
    for (; i < v; i++)
      if (x[i] >= bound) offer(h, &size, k, x[i], (int32_t)i);
    drain(h, k, ids);
    free(h);
    return k;
  }
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
  drain(h, k, ids);
  free(h);
  return k;
nan:
  free(h);
  return -1;
}
