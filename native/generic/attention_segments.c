/* Document masks for packed sequences (kd_attn_segs in kd_attn_simd.h): per-row run bounds of the segment ids, made
 * once per attention call, and the per-element test for rows whose ids are not contiguous runs.
 * Not here: the tiling that uses the bounds to skip key tiles (attention.c, attention_backward.c).
 *
 * Packing puts each example in one contiguous run of positions, so the keys a query may see form one interval
 * [start of its run, p] — the same "cu_seqlens" view as FlashAttention-2's varlen kernels (flash_attn_varlen_func)
 * and the block-sparse skipping of PyTorch FlexAttention's document masks (create_block_mask with a document_id
 * mask_mod). The interval doubles as a per-query lower bound like the sliding window's. Ids that come back after
 * another id (A B A) break the interval; such rows keep the whole range and compare ids key by key, so any Int32
 * ids are correct, only slower. */
#include <stdlib.h>
#include <math.h>
#include "kd_attn_simd.h"

static int cmp_i32(const void *x, const void *y) {
  const int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
  return (a > b) - (a < b);
}

int kd_attn_segs_init(kd_attn_segs *g, const int32_t *ids, int64_t b, int64_t s) {
  g->ids = ids, g->s = s, g->lo = g->hi = NULL, g->exact = NULL;
  if (!ids || b <= 0 || s <= 0) return 1;
  g->lo = malloc((size_t)(b * s) * sizeof(int32_t));
  g->hi = malloc((size_t)(b * s) * sizeof(int32_t));
  g->exact = malloc((size_t)b);
  int32_t *runs = malloc((size_t)s * sizeof(int32_t)); /* the id of each run of one row, sorted to find repeats */
  if (!g->lo || !g->hi || !g->exact || !runs) {
    free(runs);
    kd_attn_segs_free(g);
    return 0;
  }
  for (int64_t r = 0; r < b; r++) {
    const int32_t *id = ids + r * s;
    int32_t *lo = g->lo + r * s, *hi = g->hi + r * s;
    int64_t n_runs = 0;
    for (int64_t j0 = 0; j0 < s;) { /* run [j0, j1) */
      int64_t j1 = j0 + 1;
      while (j1 < s && id[j1] == id[j0]) j1++;
      for (int64_t j = j0; j < j1; j++) lo[j] = (int32_t)j0, hi[j] = (int32_t)j1;
      runs[n_runs++] = id[j0];
      j0 = j1;
    }
    qsort(runs, (size_t)n_runs, sizeof(int32_t), cmp_i32);
    int exact = 1;
    for (int64_t i = 1; i < n_runs && exact; i++) exact = runs[i] != runs[i - 1];
    g->exact[r] = (unsigned char)exact;
    if (!exact)
      for (int64_t j = 0; j < s; j++) lo[j] = 0, hi[j] = (int32_t)s;
  }
  free(runs);
  return 1;
}

void kd_attn_segs_free(kd_attn_segs *g) {
  free(g->lo), free(g->hi), free(g->exact);
  g->lo = g->hi = NULL, g->exact = NULL;
}

void kd_attn_segs_mask(const kd_attn_segs *g, int64_t b, int64_t p, int64_t j0, int64_t bc, float *sc) {
  if (!g->ids || g->exact[b]) return;
  const int32_t *id = g->ids + b * g->s, mine = id[p];
  for (int64_t j = 0; j < bc; j++)
    if (id[j0 + j] != mine) sc[j] = -INFINITY;
}
