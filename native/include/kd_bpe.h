/* Rank-ordered BPE merging of one pre-token over the pair table that src/tokenizer/merge.ts builds (the
 * TypeScript mergeByHeap there is the specification; tests compare the two). Not here: pre-tokenizing,
 * vocabularies, caching, Node-API glue (native/binding/ops_tokenizer.c). */
#ifndef KD_BPE_H
#define KD_BPE_H
#include <stdint.h>

/* Layout of the packed table (one Int32Array, PairTable.packed in merge.ts):
 *   [0] mask (slots − 1, slots a power of two)   [1] number of merges M   [2], [3] unused
 *   [4, 4 + 256·256)          dense ranks of pairs of ids both < 256 (0x7fffffff: no merge)
 *   then (mask + 1)·4 ints    open-addressing slots (left, right, rank, unused); left −1: empty
 *   then M ints               merged id by rank */
#define KD_BPE_HEADER 4
#define KD_BPE_DENSE 256
#define KD_BPE_NONE 0x7fffffff

typedef struct {
  const int32_t *dense;
  const int32_t *slots;
  const int32_t *merged_of;
  uint32_t mask;
  uint32_t n_merges;
} kd_bpe_table;

/* Views the packed table of `len` ints; 0 when the layout does not fit in it. */
int kd_bpe_table_view(const int32_t *packed, int64_t len, kd_bpe_table *t);

/* Merges sym[0..n) in place, lowest rank first and leftmost among equals; returns the new length, or −1 when
 * the table names a rank past its merges, or −2 when scratch memory cannot be had. */
int64_t kd_bpe_merge(const kd_bpe_table *t, int32_t *sym, int64_t n);

#endif
