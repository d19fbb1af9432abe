/* quantMatmulT kernels: out (N, K) = dY (N, Nout) · W (Nout, K) with W as ggml Q8_0 / Q4_0 / Q4_K / Q6_K rows
 * (the input gradient of a frozen quantized weight, LoRA on a quantized base). Each 32-column piece of a W row is
 * decoded in registers to exactly ggml's dequantized values (kd_quant_decode.h) and multiplied-accumulated with
 * f32 dY (no activation quantization: a gradient). One source for every ISA (see kd_impl.h). Not here: dispatch
 * (quant_dispatch.c), quantMatmul (quant.c).
 *
 * Schedule: a task is one 32-column slice of out times a tile of up to 64 rows of dY; within it, R rows at a
 * time (R = 8 on AVX-512, 3 on AVX2, 4 portable: what fits in registers) keep R × 32 outputs in registers while
 * r runs over Nout, decoding W[r, slice] once per R rows (the slice of W, Nout × 34..36 bytes, stays in L2).
 * Each output is one f32 FMA chain over r = 0..Nout−1: the bits depend on the ISA only, never on threads or N. */
#include "kd_quant.h"
#include "kd_quant_decode.h"

#if defined(__AVX512F__)
enum { RT = 8 };
#elif defined(__AVX2__)
enum { RT = 3 };
#else
enum { RT = 4 };
#endif
enum { NT = 64, CV = QK / VL }; /* rows of dY per task; vectors per 32 columns */

/* Q4_K sub-block sb (0..7, 32 weights) of a super-block: w = (d·sc)·q − dmin·m (ggml's rounding). */
static inline void dec_q4_k_32(const uint8_t *blk, const int sb, vf *w) {
  const float d = f16_at(blk), dmin = f16_at(blk + 2);
  const uint8_t *s = blk + 4;
  const int sc = sb < 4 ? s[sb] & 63 : (s[sb + 4] & 0xf) | ((s[sb - 4] >> 6) << 4);
  const int m = sb < 4 ? s[sb + 4] & 63 : (s[sb + 4] >> 4) | ((s[sb] >> 6) << 4);
  const float dsc = d * (float)sc, mn = dmin * (float)m;
  const uint8_t *q = blk + 16 + 32 * (sb >> 1);
  const int hi = sb & 1;
#if defined(__AVX512F__)
  const __m512 lut = nibble_lut(dsc, mn);
  __m512i a = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)q));
  __m512i c = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(q + 16)));
  if (hi) {
    a = _mm512_srli_epi32(a, 4);
    c = _mm512_srli_epi32(c, 4);
  }
  w[0] = _mm512_permutexvar_ps(a, lut);
  w[1] = _mm512_permutexvar_ps(c, lut);
#else
  const b16 qa = b16_load(q), qb = b16_load(q + 16);
  b16_u(hi ? b16_hi(qa) : b16_lo(qa), w);
  b16_u(hi ? b16_hi(qb) : b16_lo(qb), w + PER16);
  const vf dv = vf_set1(dsc), mv = vf_set1(mn);
  for (int j = 0; j < CV; j++) w[j] = vf_sub(vf_mul(w[j], dv), mv);
#endif
}

/* Q6_K: the 32 weights 32·quarter .. +31 of half h of a super-block (see quant.c's Q6_K loop for the layout). */
static inline void dec_q6_k_32(const uint8_t *blk, const int h, const int quarter, vf *w) {
  const float d = f16_at(blk + 208);
  const uint8_t *ql = blk + 64 * h + 32 * (quarter & 1), *qh = blk + 128 + 32 * h;
  const int8_t *sc = (const int8_t *)(blk + 192 + 8 * h);
  const int ls = 4 * (quarter >> 1), hs = 2 * quarter;
  dec_q6_16(ql, qh, ls, hs, d * (float)sc[2 * quarter], w);
  dec_q6_16(ql + 16, qh + 16, ls, hs, d * (float)sc[1 + 2 * quarter], w + PER16);
}

/* W[r, 32c .. 32c + 32) as CV vectors. */
static inline __attribute__((always_inline)) void dec_slice(const kd_quant_type type, const uint8_t *wr, const int64_t c,
                                                            vf *w) {
  switch (type) {
    case KD_QUANT_Q8_0: dec_q8_0(wr + c * Q8_0_B, w); break;
    case KD_QUANT_Q4_0: dec_q4_0(wr + c * Q4_0_B, w); break;
    case KD_QUANT_Q4_K: dec_q4_k_32(wr + (c >> 3) * Q4_K_B, (int)(c & 7), w); break;
    default: dec_q6_k_32(wr + (c >> 3) * Q6_K_B, (int)((c & 7) >> 2), (int)(c & 3), w); break;
  }
}

typedef struct {
  kd_quant_type type;
  const float *dy;
  const uint8_t *w;
  int64_t n, k, n_out, row_bytes, n_tiles;
  float *out;
} quant_t_ctx;

/* out[i0 + i, slice c] = Σ_r dy[i0 + i, r] · W[r, slice c] for i < nr. */
static inline __attribute__((always_inline)) void slice_rows(const int nr, const kd_quant_type type,
                                                             const quant_t_ctx *x, int64_t i0, int64_t c) {
  vf acc[RT][CV];
  for (int i = 0; i < nr; i++)
    for (int j = 0; j < CV; j++) acc[i][j] = vf_zero();
  const float *dy = x->dy + i0 * x->n_out;
  for (int64_t r = 0; r < x->n_out; r++) {
    vf w[CV];
    dec_slice(type, x->w + r * x->row_bytes, c, w);
    for (int i = 0; i < nr; i++) {
      const vf g = vf_set1(dy[i * x->n_out + r]);
      for (int j = 0; j < CV; j++) acc[i][j] = vf_fma(g, w[j], acc[i][j]);
    }
  }
  for (int i = 0; i < nr; i++)
    for (int j = 0; j < CV; j++) vf_store(x->out + (i0 + i) * x->k + c * QK + j * VL, acc[i][j]);
}

#define KD_QT_ROWS(T)                                                                  \
  for (int64_t i = i0; i < i1; i += RT) {                                              \
    const int nr = (int)kd_min64(RT, i1 - i);                                          \
    if (nr == RT) slice_rows(RT, T, x, i, c);                                          \
    else                                                                               \
      for (int t = 0; t < nr; t++) slice_rows(1, T, x, i + t, c);                      \
  }

static void quant_t_task(void *vctx, size_t task, int thread) {
  (void)thread;
  const quant_t_ctx *x = vctx;
  const int64_t c = (int64_t)task / x->n_tiles, tile = (int64_t)task % x->n_tiles;
  const int64_t i0 = tile * NT, i1 = kd_min64(x->n, i0 + NT);
  switch (x->type) {
    case KD_QUANT_Q8_0: KD_QT_ROWS(KD_QUANT_Q8_0); break;
    case KD_QUANT_Q4_0: KD_QT_ROWS(KD_QUANT_Q4_0); break;
    case KD_QUANT_Q4_K: KD_QT_ROWS(KD_QUANT_Q4_K); break;
    default: KD_QT_ROWS(KD_QUANT_Q6_K); break;
  }
}

void KD_FN(kd_quant_matmul_t)(kd_quant_type type, const float *dy, const uint8_t *w, int64_t n, int64_t k,
                              int64_t n_out, float *out) {
  const int64_t row_bytes = kd_quant_row_bytes(type, k);
  if (row_bytes <= 0 || n <= 0 || n_out <= 0) return;
  quant_t_ctx x = {type, dy, w, n, k, n_out, row_bytes, kd_div_up(n, NT), out};
  kd_run(k / QK * x.n_tiles, quant_t_task, &x);
}
