/* Rank-ordered BPE merging (kd_bpe.h): a binary min-heap of (rank, position) over a linked list of symbols,
 * with a version per symbol so that entries made stale by a neighbour's merge are skipped when popped —
 * the same algorithm and order as mergeByHeap in src/tokenizer/merge.ts. Not here: the table's construction. */
#include <stdlib.h>
#include "kd_bpe.h"

int kd_bpe_table_view(const int32_t *packed, int64_t len, kd_bpe_table *t) {
  if (len < KD_BPE_HEADER + KD_BPE_DENSE * KD_BPE_DENSE) return 0;
  uint32_t mask = (uint32_t)packed[0];
  int64_t cap = (int64_t)mask + 1, merges = packed[1], bits = packed[2];
  if (packed[0] < 0 || (cap & (cap - 1)) != 0 || merges < 0 || bits < 10 || bits > 21) return 0;
  if (len != KD_BPE_HEADER + KD_BPE_DENSE * KD_BPE_DENSE + cap * 4 + merges + ((int64_t)1 << bits) / 32) return 0;
  t->dense = packed + KD_BPE_HEADER;
  t->slots = t->dense + KD_BPE_DENSE * KD_BPE_DENSE;
  t->merged_of = t->slots + cap * 4;
  t->filter = (const uint32_t *)(t->merged_of + merges);
  t->filter_shift = (uint32_t)(32 - bits);
  t->mask = mask;
  t->n_merges = (uint32_t)merges;
  return 1;
}

typedef struct {
  uint64_t key; /* rank << 32 | position */
  int32_t ver;
} entry;

static inline void sift_down(entry *heap, int64_t size, int64_t h, entry e) {
  for (;;) {
    int64_t c = 2 * h + 1;
    if (c >= size) break;
    if (c + 1 < size && heap[c + 1].key < heap[c].key) c++;
    if (heap[c].key >= e.key) break;
    heap[h] = heap[c];
    h = c;
  }
  heap[h] = e;
}

static inline void sift_up(entry *heap, int64_t c, entry e) {
  while (c > 0) {
    int64_t p = (c - 1) >> 1;
    if (heap[p].key <= e.key) break;
    heap[c] = heap[p];
    c = p;
  }
  heap[c] = e;
}

#define STACK_N 256

int64_t kd_bpe_merge(const kd_bpe_table *t, int32_t *sym, int64_t n) {
  if (n < 2) return n;
  /* next, prev, ver per symbol; at most n − 1 initial entries and 2 pushes per merge: < 3n entries. */
  int32_t s_links[3 * STACK_N];
  entry s_heap[3 * STACK_N];
  int32_t *links = s_links;
  entry *heap = s_heap;
  void *mem = NULL;
  if (n > STACK_N) {
    mem = malloc((size_t)n * (3 * sizeof(int32_t) + 3 * sizeof(entry)));
    if (mem == NULL) return -2;
    heap = (entry *)mem;
    links = (int32_t *)(heap + 3 * n);
  }
  int32_t *next = links, *prev = links + n, *ver = links + 2 * n;
  for (int64_t i = 0; i < n; i++) {
    next[i] = i + 1 < n ? (int32_t)(i + 1) : -1;
    prev[i] = (int32_t)(i - 1);
    ver[i] = 0;
  }
  int64_t size = 0;
  for (int64_t i = 0; i + 1 < n; i++) {
    int32_t r = kd_bpe_rank(t, sym[i], sym[i + 1]);
    if (r != KD_BPE_NONE) heap[size++] = (entry){((uint64_t)(uint32_t)r << 32) | (uint64_t)i, 0};
  }
  for (int64_t s = (size >> 1) - 1; s >= 0; s--) sift_down(heap, size, s, heap[s]);
  int64_t result = 0;
  while (size > 0) {
    entry top = heap[0];
    size--;
    if (size > 0) sift_down(heap, size, 0, heap[size]);
    int32_t i = (int32_t)(top.key & 0xffffffffu);
    if (ver[i] != top.ver) continue;
    uint32_t r = (uint32_t)(top.key >> 32);
    if (r >= t->n_merges) {
      result = -1;
      goto done;
    }
    int32_t j = next[i];
    sym[i] = t->merged_of[r];
    next[i] = next[j];
    if (next[j] >= 0) prev[next[j]] = i;
    ver[j]++;
    ver[i]++;
    int32_t p = prev[i];
    if (p >= 0) ver[p]++;
    for (int e = 0; e < 2; e++) {
      int32_t a = e == 0 ? p : i;
      if (a < 0) continue;
      int32_t b = next[a];
      if (b < 0) continue;
      int32_t rr = kd_bpe_rank(t, sym[a], sym[b]);
      if (rr == KD_BPE_NONE) continue;
      sift_up(heap, size++, (entry){((uint64_t)(uint32_t)rr << 32) | (uint64_t)(uint32_t)a, ver[a]});
    }
  }
  for (int32_t i = 0; i >= 0; i = next[i]) sym[result++] = sym[i];
done:
  free(mem);
  return result;
}
