/* quantMatmul kernels: f32 activation rows times ggml Q8_0 / Q4_0 / Q4_K / Q6_K weight rows, each block decoded
 * in registers to exactly ggml's dequantized values (d·q, d·(q − 8), (d·sc)·q − dmin·m, (d·sc)·(q − 32);
 * separate mul and sub, as ggml's dequantize_row_*) and multiplied-accumulated in f32. One source for every ISA (see kd_impl.h): AVX-512
 * or AVX2 intrinsics where compiled with them, portable C otherwise. Not here: dispatch (quant_dispatch.c), the
 * decoders (kd_quant_decode.h), the transposed product (quant_t.c).
 *
 * Schedule: tasks are runs of W rows (~32 KiB of blocks); within a task the activation rows go 4 at a time and
 * each W row is decoded once per group of 4, so x and the task's blocks stay in cache. Per output element the
 * order of operations depends on the ISA only, never on the thread count or on N. */
#include "kd_quant.h"
#include "kd_quant_decode.h"

/* acc[i][(a0 + j) % na] += x_i[block b] · w for one Q8_0 / Q4_0 block b of row wr. */
static inline __attribute__((always_inline)) void block_fma(const int nr, const kd_quant_type type, const uint8_t *wr,
                                                            int64_t b, const float *x, int64_t ldx, const int na,
                                                            const int a0, vf (*acc)[4]) {
  vf w[QK / VL];
  if (type == KD_QUANT_Q8_0) dec_q8_0(wr + b * Q8_0_B, w);
  else dec_q4_0(wr + b * Q4_0_B, w);
  const float *xb = x + b * QK;
  for (int i = 0; i < nr; i++)
    for (int j = 0; j < QK / VL; j++) acc[i][(a0 + j) % na] = vf_fma(vf_load(xb + i * ldx + j * VL), w[j], acc[i][(a0 + j) % na]);
}

/* ---- nr activation rows (x, row stride ldx) · one W row → out[i·ldo] ------------------------------------ */
static inline __attribute__((always_inline)) void dot_rows(const int nr, const kd_quant_type type, const uint8_t *wr,
                                                           int64_t k, const float *x, int64_t ldx, float *out,
                                                           int64_t ldo) {
  /* na independent FMA chains per row hide the FMA latency; a function of the ISA only (not of nr), so a row
   * gets the same bits alone as in a batch. AVX2 has registers for 2 chains × 4 rows only. */
  enum { NA = 4 };
#if defined(__AVX512F__)
  const int na = 4;
#else
  const int na = 2;
#endif
  vf acc[4][NA];
  for (int i = 0; i < nr; i++)
    for (int a = 0; a < na; a++) acc[i][a] = vf_zero();
  if (type == KD_QUANT_Q4_K) {
    for (int64_t b = 0; b < k / QKK; b++) {
      const uint8_t *blk = wr + b * Q4_K_B;
      float dsc[8], mn[8];
      q4_k_scales(blk, dsc, mn);
      for (int g = 0; g < 4; g++) {
        vf w[64 / VL];
        dec_q4_k(blk, g, dsc, mn, w);
        const float *xb = x + b * QKK + g * 64;
        for (int i = 0; i < nr; i++)
          for (int j = 0; j < 64 / VL; j++) acc[i][j % na] = vf_fma(vf_load(xb + i * ldx + j * VL), w[j], acc[i][j % na]);
      }
    }
  } else if (type == KD_QUANT_Q6_K) {
    /* Per half of a super-block: ql[64], qh[32], 8 scales; bytes l < 32 of ql/qh feed weights l, l+32, l+64,
     * l+96 (low nibble of ql[l] / of ql[l+32], then high nibbles; qh bit pairs 0, 2, 4, 6), 16 per scale. */
    for (int64_t b = 0; b < k / QKK; b++) {
      const uint8_t *blk = wr + b * Q6_K_B;
      const float d = f16_at(blk + 208);
      for (int half = 0; half < 2; half++) {
        const uint8_t *ql = blk + 64 * half, *qh = blk + 128 + 32 * half;
        const int8_t *sc = (const int8_t *)(blk + 192 + 8 * half);
        const float *xb = x + b * QKK + 128 * half;
        for (int l0 = 0; l0 < 32; l0 += 16) {
          const int is = l0 / 16;
          vf w1[PER16], w2[PER16], w3[PER16], w4[PER16];
          dec_q6_16(ql + l0, qh + l0, 0, 0, d * (float)sc[is], w1);
          dec_q6_16(ql + l0 + 32, qh + l0, 0, 2, d * (float)sc[is + 2], w2);
          dec_q6_16(ql + l0, qh + l0, 4, 4, d * (float)sc[is + 4], w3);
          dec_q6_16(ql + l0 + 32, qh + l0, 4, 6, d * (float)sc[is + 6], w4);
          for (int i = 0; i < nr; i++) {
            const float *xi = xb + i * ldx + l0;
            for (int v = 0; v < PER16; v++) {
              acc[i][0] = vf_fma(vf_load(xi + v * VL), w1[v], acc[i][0]);
              acc[i][1] = vf_fma(vf_load(xi + 32 + v * VL), w2[v], acc[i][1]);
              acc[i][2 % na] = vf_fma(vf_load(xi + 64 + v * VL), w3[v], acc[i][2 % na]);
              acc[i][3 % na] = vf_fma(vf_load(xi + 96 + v * VL), w4[v], acc[i][3 % na]);
            }
          }
        }
      }
    }
  } else {
    /* Blocks in pairs so that every chain index is a compile-time constant (acc stays in registers): with 4
     * chains and 2 vectors per block (AVX-512), odd blocks use chains 2 and 3. */
    const int64_t nb = k / QK;
    int64_t b = 0;
    for (; b + 2 <= nb; b += 2) {
      block_fma(nr, type, wr, b, x, ldx, na, 0, acc);
      block_fma(nr, type, wr, b + 1, x, ldx, na, QK / VL, acc);
    }
    if (b < nb) block_fma(nr, type, wr, b, x, ldx, na, 0, acc);
  }
  for (int i = 0; i < nr; i++) {
    vf t = vf_add(acc[i][0], acc[i][1]);
    if (na == 4) t = vf_add(t, vf_add(acc[i][2], acc[i][3]));
    out[i * ldo] = vf_sum(t);
  }
}

typedef struct {
  kd_quant_type type;
  const float *x;
  const uint8_t *w;
  int64_t n, k, n_out, row_bytes, rows_per_task;
  float *out;
} quant_ctx;

#define KD_QUANT_ROWS(T)                                                               \
  switch (nr) {                                                                        \
    case 4: dot_rows(4, T, wr, c->k, x, c->k, o, c->n_out); break;                     \
    case 3: dot_rows(3, T, wr, c->k, x, c->k, o, c->n_out); break;                     \
    case 2: dot_rows(2, T, wr, c->k, x, c->k, o, c->n_out); break;                     \
    default: dot_rows(1, T, wr, c->k, x, c->k, o, c->n_out); break;                    \
  }

static void quant_task(void *vctx, size_t task, int thread) {
  (void)thread;
  const quant_ctx *c = vctx;
  const int64_t r0 = (int64_t)task * c->rows_per_task, r1 = kd_min64(c->n_out, r0 + c->rows_per_task);
  for (int64_t i = 0; i < c->n; i += 4) {
    const int nr = (int)kd_min64(4, c->n - i);
    for (int64_t r = r0; r < r1; r++) {
      const uint8_t *wr = c->w + r * c->row_bytes;
      const float *x = c->x + i * c->k;
      float *o = c->out + i * c->n_out + r;
      switch (c->type) {
        case KD_QUANT_Q8_0: KD_QUANT_ROWS(KD_QUANT_Q8_0); break;
        case KD_QUANT_Q4_0: KD_QUANT_ROWS(KD_QUANT_Q4_0); break;
        case KD_QUANT_Q4_K: KD_QUANT_ROWS(KD_QUANT_Q4_K); break;
        default: KD_QUANT_ROWS(KD_QUANT_Q6_K); break;
      }
    }
  }
}

void KD_FN(kd_quant_matmul)(kd_quant_type type, const float *x, const uint8_t *w, int64_t n, int64_t k,
                            int64_t n_out, float *out) {
  const int64_t row_bytes = kd_quant_row_bytes(type, k);
  if (row_bytes <= 0 || n <= 0 || n_out <= 0) return;
  quant_ctx c = {type, x, w, n, k, n_out, row_bytes, kd_max64(1, 32768 / row_bytes), out};
  kd_run(kd_div_up(n_out, c.rows_per_task), quant_task, &c);
}
