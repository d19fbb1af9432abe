/* The few vector primitives that fused attention and cross-entropy are built from, one table per ISA
 * (generic C, AVX2+FMA, AVX-512). Not here: tiling, online softmax or threading (native/generic/attention*.c). */
#ifndef KD_ATTN_SIMD_H
#define KD_ATTN_SIMD_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
  const char *name;
  /* C (M×N, ldc) = or += A (M×K) · B (K×N, ldb) with A[i][p] = a[i·ars + p·acs] (ars = lda, acs = 1 for A;
   * ars = 1, acs = lda for Aᵀ); small sizes (M ≤ 64, N ≤ 128, K ≤ 128 typical). */
  void (*gemm)(int64_t m, int64_t n, int64_t k, const float *a, int64_t ars, int64_t acs, const float *b,
               int64_t ldb, float *c, int64_t ldc, int accumulate);
  /* C (M×N, ldc) = A (M×K, lda) · Bᵀ where B is N×K (ldb): dot products of rows, for few rows (decoding). */
  void (*gemm_nt)(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
                  float *c, int64_t ldc);
  /* max of x[0..n) (−inf for n = 0). */
  float (*max)(const float *x, int64_t n);
  /* dst[i] = exp(x[i] − shift) (dst may be x or NULL); returns Σ exp(x[i] − shift). exp(−inf) = 0. */
  float (*exp_sum)(float *dst, const float *x, int64_t n, float shift);
  /* dx[i] += g · exp(x[i] − shift). */
  void (*exp_axpy)(float *dx, const float *x, int64_t n, float shift, float g);
  /* dst[x·ldd + j] = src[j·lds + x] for j < rows, x < cols. */
  void (*transpose)(const float *src, int64_t rows, int64_t cols, int64_t lds, float *dst, int64_t ldd);
} kd_attn_simd;

extern const kd_attn_simd kd_attn_simd_generic;
extern const kd_attn_simd kd_attn_simd_avx2;
extern const kd_attn_simd kd_attn_simd_avx512;

/* The table for kd_cpu_isa() (kd_cpu.h; honours KOTODAMA_ISA); defined in native/generic/attention_simd.c. */
const kd_attn_simd *kd_attn_simd_best(void);

/* The kernels with an explicit ISA table (the dev/attention harness compares all tables in one process);
 * kd_attention_forward etc. call these with kd_attn_simd_best(). */
#include "kd_attention.h"
void kd_attention_forward_isa(const kd_attn_simd *isa, const kd_attention_args *a);
void kd_attention_backward_isa(const kd_attn_simd *isa, const kd_attention_backward_args *a);
void kd_cross_entropy_forward_isa(const kd_attn_simd *isa, const float *logits, const int32_t *targets, int64_t n,
                                  int64_t v, int32_t ignore_index, float *losses, float *lse);
void kd_cross_entropy_backward_isa(const kd_attn_simd *isa, const float *logits, const int32_t *targets,
                                   const float *lse, const float *dlosses, int64_t n, int64_t v, int32_t ignore_index,
                                   float *dlogits);

/* The portable transpose (also the tails of the vector ones); defined in attention_simd.c. */
void kd_attn_transpose_generic(const float *src, int64_t rows, int64_t cols, int64_t lds, float *dst, int64_t ldd);
/* k or v (B, S, Hkv, D; batch stride kv_batch_stride) transposed to a new (B, Hkv, D, S) buffer, in parallel; NULL
 * when it would exceed kd_attn_max_transpose_bytes (or malloc fails): callers then transpose tile by tile. */
float *kd_attn_transpose_kv(const kd_attn_simd *isa, const float *src, int64_t b, int64_t s, int64_t h_kv, int64_t d,
                            int64_t kv_batch_stride);
extern size_t kd_attn_max_transpose_bytes; /* 256 MiB; the dev harness lowers it to test the tile-by-tile path */
/* Slot `thread` of a per-call scratch of n_slots × per_thread floats, or a private buffer stored in *own (to free)
 * when thread ≥ n_slots; NULL only if that allocation fails. Defined in attention.c. */
float *kd_attn_thread_scratch(float *scratch, size_t per_thread, int n_slots, int thread, float **own);

/* Soft-capping s ↦ cap·tanh(s/cap) of `rows` rows (stride ld) of bc scores in place, with the table's exp; defined
 * in attention.c. */
void kd_attn_softcap(const kd_attn_simd *isa, float *sc, int64_t rows, int64_t ld, int64_t bc, float cap);

/* Document masks (kd_attention_args.segments), prepared once per call (attention_segments.c). For each position j of
 * row b, keys [lo, hi) hold every key with j's id: in a row where every id forms one contiguous run (packing) that
 * is exactly j's run and no key needs a per-element test; in other rows ("inexact") lo = 0, hi = S and the kernels
 * compare ids key by key. ids == NULL: masking off, lo/hi/exact unused. */
typedef struct {
  const int32_t *ids;   /* (B, S) */
  int64_t s;            /* row length S */
  int32_t *lo, *hi;     /* (B, S) */
  unsigned char *exact; /* (B) */
} kd_attn_segs;
/* Fills g for ids (NULL = off); returns 0 only when an allocation fails. */
int kd_attn_segs_init(kd_attn_segs *g, const int32_t *ids, int64_t b, int64_t s);
void kd_attn_segs_free(kd_attn_segs *g);
/* In row b, sets sc[j] = −inf for the keys j0 + j (j < bc) whose id differs from position p's; for inexact rows only
 * (exact rows are masked by [lo, hi) alone). Returns nothing to do quickly when the row is exact or masking is off. */
void kd_attn_segs_mask(const kd_attn_segs *g, int64_t b, int64_t p, int64_t j0, int64_t bc, float *sc);

/* Tile sizes shared by forward and backward: BR query rows × BC keys. */
enum { KD_ATTN_BR = 64, KD_ATTN_BC = 64 };

#endif
