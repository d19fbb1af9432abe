/* Packing with 8×8 AVX transposes for the x86 GEMM paths (included by avx2/ and avx512/ sources only, which
 * are compiled with -mavx2). Not here: the layouts themselves (kd_gemm_internal.h) and the plain copies. */
#ifndef KD_GEMM_PACK_X86_H
#define KD_GEMM_PACK_X86_H
#include <immintrin.h>
#include "kd_gemm_internal.h"

/* r[i] (i < 8) become the columns of the 8×8 block whose rows they were. */
static inline void kd_transpose8(__m256 r[8]) {
  __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xee);
  __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xee);
  __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xee);
  __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xee);
  r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
  r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
  r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
  r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
  r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
  r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
  r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
  r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

/* A not transposed (rows of A are k-contiguous), MR ≤ 8: per 8 k, load ≤ 8 rows, transpose, and store each
 * k's column of MR values as 8 floats; the extra 8 - MR land where the next store (or the next sliver, or the
 * scratch slack) goes, so they never survive. Other cases go to the plain packer. */
static inline void kd_pack_a_x86(int MR, const float *a, int64_t lda, int trans, int64_t i0, int64_t mb, int64_t p0,
                                 int64_t kb, float *dst) {
  if (MR > 8) {
    kd_gemm_pack_a_generic(MR, a, lda, trans, i0, mb, p0, kb, dst);
    return;
  }
  if (trans) { /* A transposed (the weight gradients dyᵀ·x): per k the sliver's MR values are contiguous already;
                * one masked 8-float load (rows past the block read as 0) and one 8-float store, whose extra 8 − MR
                * land where the next store goes, as below */
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (int64_t s = 0; s < mb; s += MR) {
      const int64_t rows = mb - s < MR ? mb - s : MR;
      const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)rows), lane);
      float *d = dst + s * kb;
      const float *src = a + p0 * lda + i0 + s;
      for (int64_t k = 0; k < kb; k++) _mm256_storeu_ps(d + k * MR, _mm256_maskload_ps(src + k * lda, mask));
    }
    return;
  }
  const int64_t kb8 = kb & ~(int64_t)7;
  for (int64_t s = 0; s < mb; s += MR) {
    const int64_t rows = mb - s < MR ? mb - s : MR;
    float *d = dst + s * kb;
    const float *src = a + (i0 + s) * lda + p0;
    for (int64_t k = 0; k < kb8; k += 8) {
      __m256 r[8];
      for (int i = 0; i < 8; i++) r[i] = i < rows ? _mm256_loadu_ps(src + i * lda + k) : _mm256_setzero_ps();
      kd_transpose8(r);
      for (int kk = 0; kk < 8; kk++) _mm256_storeu_ps(d + (k + kk) * MR, r[kk]);
    }
    for (int64_t k = kb8; k < kb; k++)
      for (int i = 0; i < MR; i++) d[k * MR + i] = i < rows ? src[i * lda + k] : 0.0f;
  }
}

/* B transposed (rows of the stored B are k-contiguous, one per output column), NR a multiple of 8: 8 columns ×
 * 8 k at a time through a transpose. The plain packer copies the non-transposed case. */
static inline void kd_pack_b_x86(int NR, const float *b, int64_t ldb, int trans, int64_t p0, int64_t kb, int64_t j0,
                                 int64_t nb, float *dst) {
  if (!trans || NR % 8 != 0) {
    kd_gemm_pack_b_generic(NR, b, ldb, trans, p0, kb, j0, nb, dst);
    return;
  }
  const int64_t kb8 = kb & ~(int64_t)7;
  for (int64_t s = 0; s < nb; s += NR) {
    float *d = dst + s * kb;
    for (int jg = 0; jg < NR; jg += 8) {
      const int64_t cols = nb - s - jg; /* real columns in this group of 8 (may be ≤ 0) */
      const float *src = b + (j0 + s + jg) * ldb + p0;
      for (int64_t k = 0; k < kb8; k += 8) {
        __m256 r[8];
        for (int j = 0; j < 8; j++) r[j] = j < cols ? _mm256_loadu_ps(src + j * ldb + k) : _mm256_setzero_ps();
        kd_transpose8(r);
        for (int kk = 0; kk < 8; kk++) _mm256_store_ps(d + (k + kk) * NR + jg, r[kk]);
      }
      for (int64_t k = kb8; k < kb; k++)
        for (int j = 0; j < 8; j++) d[k * NR + jg + j] = j < cols ? src[j * ldb + k] : 0.0f;
    }
  }
}

#endif
