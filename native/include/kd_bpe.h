/* Rank-ordered BPE merging of one pre-token over the pair table that src/tokenizer/merge.ts builds (the
 * TypeScript mergeByHeap there is the specification; tests compare the two). Not here: pre-tokenizing,
 * vocabularies, caching, Node-API glue (native/binding/ops_tokenizer.c). */
#ifndef KD_BPE_H
#define KD_BPE_H
#include <stddef.h>
#include <stdint.h>

/* Layout of the packed table (one Int32Array, PairTable.packed in merge.ts):
 *   [0] mask (slots − 1, slots a power of two)   [1] number of merges M   [2] filter bits F (10..21)   [3] unused
 *   [4, 4 + 256·256)          dense ranks of pairs of ids both < 256 (0x7fffffff: no merge)
 *   then (mask + 1)·4 ints    open-addressing slots (left, right, rank, unused); left −1: empty
 *   then M ints               merged id by rank
 *   then 2^F / 32 ints        filter: bit (x · 0x27d4eb2f) >> (32 − F) set for every slot's pair, x its hash
 * Hash of (a, b): (a · 0x9e3779b1) ^ ((b + 0x7f4a7c15) · 0x85ebca77) mod 2^32; slot x & mask, then linear. */
#define KD_BPE_HEADER 4
#define KD_BPE_DENSE 256
#define KD_BPE_NONE 0x7fffffff

typedef struct {
  const int32_t *dense;
  const int32_t *slots;
  const int32_t *merged_of;
  const uint32_t *filter;
  uint32_t filter_shift;
  uint32_t mask;
  uint32_t n_merges;
} kd_bpe_table;

/* Rank of the merge of (a, b), or KD_BPE_NONE: PairTable.rank in merge.ts. */
static inline int32_t kd_bpe_rank(const kd_bpe_table *t, int32_t a, int32_t b) {
  if (((uint32_t)a | (uint32_t)b) < KD_BPE_DENSE) return t->dense[a * KD_BPE_DENSE + b];
  uint32_t x = ((uint32_t)a * 0x9e3779b1u) ^ (((uint32_t)b + 0x7f4a7c15u) * 0x85ebca77u);
  uint32_t f = (x * 0x27d4eb2fu) >> t->filter_shift;
  if (((t->filter[f >> 5] >> (f & 31)) & 1u) == 0) return KD_BPE_NONE;
  for (uint32_t h = x & t->mask;; h = (h + 1) & t->mask) {
    const int32_t *s = t->slots + (size_t)h * 4;
    if (s[0] == -1) return KD_BPE_NONE;
    if (s[0] == a && s[1] == b) return s[2];
  }
}

/* Views the packed table of `len` ints; 0 when the layout does not fit in it. */
int kd_bpe_table_view(const int32_t *packed, int64_t len, kd_bpe_table *t);

/* Merges sym[0..n) in place, lowest rank first and leftmost among equals; returns the new length, or −1 when
 * the table names a rank past its merges, or −2 when scratch memory cannot be had. */
int64_t kd_bpe_merge(const kd_bpe_table *t, int32_t *sym, int64_t n);

#endif
