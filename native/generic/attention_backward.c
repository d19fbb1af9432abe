/* Fused attention backward (FlashAttention-2, Dao 2023): P is recomputed tile by tile from q, k and the saved lse;
 * with Di = rowsum(dOut ⊙ out): dV += Pᵀ dOut, dP = dOut Vᵀ, dS = P ⊙ (dP − Di), dQ += scale dS K,
 * dK += scale dSᵀ Q.
 * All gradients ACCUMULATE. Each dq/dk/dv element is written by exactly one task (no atomics): either one task per
 * (b, kv head) does everything, or — when there are too few such groups for the threads — one pass per
 * (b, kv head, key tile) for dk/dv and one per (b, head, query tile) for dq. Both add the same terms in the same
 * order, so results are bit-identical for any thread count.
 * Sliding window: keys j ≤ p − window are masked like future keys, and tiles wholly outside are skipped. Soft-capping
 * (Gemma 2): with c = cap·tanh(s/cap) the forward's softmax is over c, so P = exp(c − lse) and the chain rule adds
 * dc/ds = 1 − tanh²(s/cap) to dS (kd_attn_softcap computes c with the table's exp, as the forward does).
 * Document masks (segments): each query's keys are cut to its run [lo, hi) like the window, a key tile's queries to
 * the runs of its first and last key, and rows with non-contiguous ids compare ids per key (attention_segments.c).
 * Not here: the forward (attention.c) and the vector primitives (kd_attn_simd.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "kd_attn_simd.h"
#include "kd_threadpool.h"

enum { BR = KD_ATTN_BR, BC = KD_ATTN_BC };

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

typedef struct {
  const kd_attention_backward_args *a;
  const kd_attn_simd *isa;
  float *di; /* (B, H, T) rowsum(dOut ⊙ out) */
  float *scratch;
  size_t per_thread;
  int n_slots; /* threads the scratch was sized for */
  int64_t n_ktiles, n_qtiles;
  float *kt_all, *vt_all; /* k, v transposed once per call, (B, Hkv, D, S); NULL = tile by tile */
  kd_attn_segs segs;      /* document masks (segs.ids NULL = off) */
} bwd_ctx;

typedef struct {
  float *kt_buf, *vt_buf; /* D × BC: room for a transposed key and value tile */
  const float *kt, *vt;   /* the current tile transposed (in the buffers above or in kt_all/vt_all) */
  int64_t ldt;            /* their row stride: BC or S */
  float *sc, *dp;         /* BR × BC: P and dP then dS */
  float *dk, *dv;         /* BC × D: the key tile's gradients */
  float *own;             /* a private buffer to free (see kd_attn_thread_scratch), else NULL */
} bwd_scratch;

static bwd_scratch scratch_of(const bwd_ctx *c, int thread) {
  const int64_t D = c->a->d;
  bwd_scratch s;
  s.own = NULL;
  float *p = kd_attn_thread_scratch(c->scratch, c->per_thread, c->n_slots, thread, &s.own);
  s.kt_buf = p;
  if (!p) return s;
  s.kt_buf = p, p += D * BC;
  s.vt_buf = p, p += D * BC;
  s.kt = s.vt = NULL, s.ldt = BC;
  s.sc = p, p += BR * BC;
  s.dp = p, p += BR * BC;
  s.dk = p, p += BC * D;
  s.dv = p;
  return s;
}

static void di_task(void *vctx, size_t task, int thread) {
  (void)thread;
  const bwd_ctx *c = vctx;
  const kd_attention_backward_args *a = c->a;
  const int64_t D = a->d, T = a->t, H = a->h, b = (int64_t)task / H, h = (int64_t)task % H;
  for (int64_t t = 0; t < T; t++) {
    const float *o = a->out + ((b * T + t) * H + h) * D, *g = a->dout + ((b * T + t) * H + h) * D;
    float s[8] = {0, 0, 0, 0, 0, 0, 0, 0}; /* 8 partial sums: independent chains the compiler can vectorize */
    int64_t x = 0;
    for (; x + 8 <= D; x += 8)
      for (int u = 0; u < 8; u++) s[u] += o[x + u] * g[x + u];
    for (; x < D; x++) s[0] += o[x] * g[x];
    c->di[(b * H + h) * T + t] = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
  }
}

/* Points s->kt, s->vt at key tile [j0, j0 + bc) of (b, hk) transposed (D × bc). */
static void load_kv_tile(const bwd_ctx *c, int64_t b, int64_t hk, int64_t j0, int64_t bc, bwd_scratch *s) {
  const kd_attention_backward_args *a = c->a;
  const int64_t D = a->d, S = a->s, ldk = a->h_kv * D;
  if (c->kt_all) {
    const int64_t off = (b * a->h_kv + hk) * D * S + j0;
    s->kt = c->kt_all + off, s->vt = c->vt_all + off, s->ldt = S;
    return;
  }
  const int64_t off = b * a->kv_batch_stride + hk * D + j0 * ldk;
  c->isa->transpose(a->k + off, bc, D, ldk, s->kt_buf, BC);
  c->isa->transpose(a->v + off, bc, D, ldk, s->vt_buf, BC);
  s->kt = s->kt_buf, s->vt = s->vt_buf, s->ldt = BC;
}

/* For query rows [t0, t0 + br) of head h against the loaded key tile [j0, j0 + bc): s->sc = P, s->dp = scale·dS. */
static void tile_ds(const bwd_ctx *c, int64_t b, int64_t h, int64_t t0, int64_t br, int64_t j0, int64_t bc,
                    bwd_scratch *s) {
  const kd_attention_backward_args *a = c->a;
  const kd_attn_simd *isa = c->isa;
  const int64_t D = a->d, T = a->t, S = a->s, H = a->h, ldq = H * D;
  const float *qr = a->q + ((b * T + t0) * H + h) * D, *gr = a->dout + ((b * T + t0) * H + h) * D;
  const float *lse = a->lse + (b * H + h) * T + t0, *di = c->di + (b * H + h) * T + t0;
  isa->gemm(br, bc, D, qr, ldq, 1, s->kt, s->ldt, s->sc, BC, 0); /* raw q·k */
  isa->gemm(br, bc, D, gr, ldq, 1, s->vt, s->ldt, s->dp, BC, 0); /* dP = dOut·vᵀ */
  const int64_t pos0 = S - T + t0;
  for (int64_t i = 0; i < br; i++) {
    float *si = s->sc + i * BC, *dpi = s->dp + i * BC;
    int64_t visible = a->causal ? min64(bc, max64(0, pos0 + i + 1 - j0)) : bc;
    /* keys before lo lie at or before p − window (HF Gemma 2 / llama.cpp is_masked_swa: masked when p − j ≥ window) */
    int64_t lo = a->window > 0 ? min64(visible, max64(0, pos0 + i - a->window + 1 - j0)) : 0;
    if (c->segs.ids) { /* and outside the query's document run */
      visible = min64(visible, max64(0, c->segs.hi[b * S + pos0 + i] - j0));
      lo = min64(visible, max64(lo, c->segs.lo[b * S + pos0 + i] - j0));
    }
    if (lse[i] == -INFINITY || visible == lo) {
      memset(si, 0, (size_t)bc * sizeof(float));
      memset(dpi, 0, (size_t)bc * sizeof(float));
      continue;
    }
    const float d = di[i];
    if (a->softcap > 0.0f) { /* P = exp(cap·tanh(s/cap) − lse); scale·dS = scale·P(dP − Di)(1 − tanh²) */
      const float cap = a->softcap;
      for (int64_t j = lo; j < visible; j++) si[j] *= a->scale;
      kd_attn_softcap(isa, si + lo, 1, BC, visible - lo, cap); /* the forward's capped scores c */
      for (int64_t j = lo; j < visible; j++) {
        const float th = si[j] / cap;
        dpi[j] = (dpi[j] - d) * (1.0f - th * th);
      }
      for (int64_t j = 0; j < lo; j++) si[j] = -INFINITY, dpi[j] = 0.0f;
      for (int64_t j = visible; j < bc; j++) si[j] = -INFINITY, dpi[j] = 0.0f;
      kd_attn_segs_mask(&c->segs, b, pos0 + i, j0 + lo, visible - lo, si + lo); /* P = 0 there, so dS = 0 */
      isa->exp_sum(si, si, bc, lse[i]);
      for (int64_t j = 0; j < bc; j++) dpi[j] = a->scale * si[j] * dpi[j];
      continue;
    }
    for (int64_t j = 0; j < lo; j++) si[j] = -INFINITY;
    for (int64_t j = lo; j < visible; j++) si[j] *= a->scale;
    for (int64_t j = visible; j < bc; j++) si[j] = -INFINITY;
    kd_attn_segs_mask(&c->segs, b, pos0 + i, j0 + lo, visible - lo, si + lo);
    isa->exp_sum(si, si, bc, lse[i]);
    for (int64_t j = 0; j < bc; j++) dpi[j] = a->scale * si[j] * (dpi[j] - d);
  }
}

/* Causal tiles that some of the tile's queries must not see all of (no segments or softcap) run in groups of RG
 * query rows, each against only the keys its last row sees (group_cols): the skipped columns hold P = 0 and dS = 0,
 * exact zeros of every sum, so dq, dk and dv are the same values as over the whole tile (the forward's causal_tile);
 * at T = S = 64 this leaves 5/8 of the tile's work. Other tiles run whole (a group of br rows). */
enum { RG = 16 };
static int causal_cut(const bwd_ctx *c, int64_t t0, int64_t j0, int64_t bc) {
  const kd_attention_backward_args *a = c->a;
  return a->causal && !c->segs.ids && a->softcap <= 0.0f && j0 + bc - 1 > a->s - a->t + t0;
}
/* Keys [j0, j0 + result) of the tile that rows [t0, t0 + rows) may see (all bc when the tile is not cut). */
static int64_t group_cols(const bwd_ctx *c, int cut, int64_t t0, int64_t rows, int64_t j0, int64_t bc) {
  const kd_attention_backward_args *a = c->a;
  return cut ? min64(bc, max64(0, a->s - a->t + t0 + rows - j0)) : bc;
}

/* The first query index that can see key j0 (0 without causal masking). */
static int64_t first_query(const kd_attention_backward_args *a, int64_t j0) {
  return a->causal ? max64(0, j0 - (a->s - a->t)) : 0;
}

/* One past the last query index that can see a key before j_end (T without a window): query t at p = S − T + t
 * sees keys from p − window + 1 on. */
static int64_t end_query(const kd_attention_backward_args *a, int64_t j_end) {
  return a->window > 0 ? min64(a->t, max64(0, j_end - 1 + a->window - (a->s - a->t))) : a->t;
}

/* dk/dv (and dq when with_dq) of key tile kt of kv head (b, hk), over all query heads of the group. */
static void key_tile(const bwd_ctx *c, int64_t b, int64_t hk, int64_t ktile, int with_dq, bwd_scratch *s) {
  const kd_attention_backward_args *a = c->a;
  const kd_attn_simd *isa = c->isa;
  const int64_t D = a->d, T = a->t, S = a->s, H = a->h, Hkv = a->h_kv, G = H / Hkv, ldq = H * D, ldk = Hkv * D;
  const int64_t j0 = ktile * BC, bc = min64(BC, S - j0);
  int64_t tq = first_query(a, j0), tend = end_query(a, j0 + bc);
  if (c->segs.ids) { /* only queries in the runs of the tile's keys see them (all queries in inexact rows) */
    tq = max64(tq, c->segs.lo[b * S + j0] - (S - T));
    tend = min64(tend, c->segs.hi[b * S + j0 + bc - 1] - (S - T));
  }
  if (tq >= tend) return;
  load_kv_tile(c, b, hk, j0, bc, s);
  memset(s->dk, 0, (size_t)(bc * D) * sizeof(float));
  memset(s->dv, 0, (size_t)(bc * D) * sizeof(float));
  for (int64_t h = hk * G; h < (hk + 1) * G; h++) {
    for (int64_t t0 = tq; t0 < tend; t0 += BR) {
      const int64_t br = min64(BR, tend - t0);
      const int cut = causal_cut(c, t0, j0, bc);
      for (int64_t r0 = 0; r0 < br; r0 += cut ? RG : br) { /* not cut: the whole tile at once */
        const int64_t rows = cut ? min64(RG, br - r0) : br, cols = group_cols(c, cut, t0 + r0, rows, j0, bc);
        if (cols == 0) continue; /* no row of the group sees a key of this tile: all its terms are zero */
        const float *qr = a->q + ((b * T + t0 + r0) * H + h) * D, *gr = a->dout + ((b * T + t0 + r0) * H + h) * D;
        tile_ds(c, b, h, t0 + r0, rows, j0, cols, s);
        isa->gemm(cols, D, rows, s->sc, 1, BC, gr, ldq, s->dv, D, 1); /* dV += Pᵀ dOut */
        isa->gemm(cols, D, rows, s->dp, 1, BC, qr, ldq, s->dk, D, 1); /* dK += scale dSᵀ Q */
        if (with_dq)                                                  /* dQ += scale dS K */
          isa->gemm(rows, D, cols, s->dp, BC, 1, a->k + b * a->kv_batch_stride + hk * D + j0 * ldk, ldk,
                    a->dq + ((b * T + t0 + r0) * H + h) * D, ldq, 1);
      }
    }
  }
  float *dkb = a->dk + b * a->kv_batch_stride + hk * D + j0 * ldk;
  float *dvb = a->dv + b * a->kv_batch_stride + hk * D + j0 * ldk;
  for (int64_t j = 0; j < bc; j++)
    for (int64_t x = 0; x < D; x++) dkb[j * ldk + x] += s->dk[j * D + x], dvb[j * ldk + x] += s->dv[j * D + x];
}

/* One task per (b, kv head): owns dk/dv of that kv head and dq of its query heads. */
static void group_task(void *vctx, size_t task, int thread) {
  const bwd_ctx *c = vctx;
  bwd_scratch s = scratch_of(c, thread);
  if (!s.kt_buf) return;
  const int64_t b = (int64_t)task / c->a->h_kv, hk = (int64_t)task % c->a->h_kv;
  for (int64_t kt = 0; kt < c->n_ktiles; kt++) key_tile(c, b, hk, kt, 1, &s);
  free(s.own);
}

/* Two-pass schedule, pass 1: task = (b, kv head, key tile); dk/dv only. */
static void kv_tile_task(void *vctx, size_t task, int thread) {
  const bwd_ctx *c = vctx;
  bwd_scratch s = scratch_of(c, thread);
  if (!s.kt_buf) return;
  const int64_t kt = (int64_t)task % c->n_ktiles, g = (int64_t)task / c->n_ktiles;
  key_tile(c, g / c->a->h_kv, g % c->a->h_kv, kt, 0, &s);
  free(s.own);
}

/* Two-pass schedule, pass 2: task = (b, head, query tile); dq only, key tiles in the same order as pass 1. */
static void q_tile_task(void *vctx, size_t task, int thread) {
  const bwd_ctx *c = vctx;
  const kd_attention_backward_args *a = c->a;
  bwd_scratch s = scratch_of(c, thread);
  if (!s.kt_buf) return;
  const int64_t D = a->d, T = a->t, S = a->s, H = a->h, Hkv = a->h_kv, ldk = Hkv * D;
  const int64_t qt = c->n_qtiles - 1 - (int64_t)task % c->n_qtiles, bh = (int64_t)task / c->n_qtiles; /* long first */
  const int64_t b = bh / H, h = bh % H, hk = h * Hkv / H, t0 = qt * BR, br = min64(BR, T - t0);
  int64_t s_end = a->causal ? min64(S, max64(0, S - T + t0 + br)) : S;
  /* key tiles wholly before the window of the tile's first query: their terms are zero (skipped as in key_tile) */
  int64_t s_begin = a->window > 0 ? max64(0, S - T + t0 - a->window + 1) / BC * BC : 0;
  if (c->segs.ids) { /* documents: the union of the rows' runs, which lie one after another */
    const int64_t p0 = S - T + t0, p1 = p0 + br - 1;
    s_begin = max64(s_begin, c->segs.lo[b * S + p0] / BC * BC);
    s_end = min64(s_end, c->segs.hi[b * S + p1]);
  }
  for (int64_t j0 = s_begin; j0 < s_end; j0 += BC) {
    const int64_t bc = min64(BC, S - j0);
    const int cut = causal_cut(c, t0, j0, bc);
    load_kv_tile(c, b, hk, j0, bc, &s);
    for (int64_t r0 = 0; r0 < br; r0 += cut ? RG : br) { /* as in key_tile */
      const int64_t rows = cut ? min64(RG, br - r0) : br, cols = group_cols(c, cut, t0 + r0, rows, j0, bc);
      if (cols == 0) continue;
      tile_ds(c, b, h, t0 + r0, rows, j0, cols, &s);
      c->isa->gemm(rows, D, cols, s.dp, BC, 1, a->k + b * a->kv_batch_stride + hk * D + j0 * ldk, ldk,
                   a->dq + ((b * T + t0 + r0) * H + h) * D, H * D, 1);
    }
  }
  free(s.own);
}

void kd_attention_backward_isa(const kd_attn_simd *isa, const kd_attention_backward_args *a) {
  const int64_t D = a->d, T = a->t, S = a->s, H = a->h, Hkv = a->h_kv, B = a->b;
  if (B <= 0 || T <= 0 || S <= 0 || H <= 0 || D <= 0 || Hkv <= 0 || H % Hkv != 0) return; /* binding rejects these */
  const int threads = kd_get_threads() < 1 ? 1 : kd_get_threads();
  if (a->segments && T > S) return; /* the binding rejects this: queries are positions S − T … S − 1 of the ids */
  bwd_ctx c = {a, isa, NULL, NULL, 0, threads, (S + BC - 1) / BC, (T + BR - 1) / BR, NULL, NULL, {NULL, 0, NULL, NULL, NULL}};
  c.per_thread = (size_t)(2 * D * BC + 2 * BR * BC + 2 * BC * D + 16);
  c.di = malloc((size_t)(B * H * T) * sizeof(float));
  c.scratch = aligned_alloc(64, ((size_t)threads * c.per_thread * sizeof(float) + 63) / 64 * 64);
  const int segs_ok = kd_attn_segs_init(&c.segs, a->segments, B, S);
  if (c.di && c.scratch && segs_ok) {
    kd_parallel_for((size_t)(B * H), di_task, &c);
    const int64_t groups = B * Hkv;
    if (threads == 1 || groups % threads == 0 || groups >= 4 * threads) {
      kd_parallel_for((size_t)groups, group_task, &c); /* each key tile is transposed once, in its task */
    } else {
      /* pass 2 meets every key tile once per query tile: transpose k and v once for the call when that pays */
      if (c.n_qtiles > 1) {
        c.kt_all = kd_attn_transpose_kv(isa, a->k, B, S, Hkv, D, a->kv_batch_stride);
        c.vt_all = c.kt_all ? kd_attn_transpose_kv(isa, a->v, B, S, Hkv, D, a->kv_batch_stride) : NULL;
        if (!c.vt_all) free(c.kt_all), c.kt_all = NULL;
      }
      kd_parallel_for((size_t)(groups * c.n_ktiles), kv_tile_task, &c);
      kd_parallel_for((size_t)(B * H * c.n_qtiles), q_tile_task, &c);
    }
  } else { /* out of memory: make the failure visible instead of silently skipping the gradient */
    for (int64_t i = 0; i < B * T * H * D; i++) a->dq[i] = NAN;
  }
  free(c.di);
  free(c.scratch);
  free(c.kt_all);
  free(c.vt_all);
  kd_attn_segs_free(&c.segs);
}

void kd_attention_backward(const kd_attention_backward_args *a) { kd_attention_backward_isa(kd_attn_simd_best(), a); }
