/* Fused attention forward (FlashAttention, Dao et al. 2022/2023): query tiles × key tiles with an online softmax
 * (running max m and sum l per row), so the T×S score matrix never exists; writes out and lse for the backward.
 * Two schedules: prefill tiles (one head, up to BR consecutive queries; k transposed once per call, or per tile
 * when that copy would be too large) and decoding for few queries (the query heads sharing a kv head as rows, dot
 * products against the KV-cache rows, long S split into tasks and merged — "flash-decoding").
 * Sliding windows skip key tiles wholly before the window and mask the rest; soft-capping maps each tile of scores
 * through cap·tanh(s/cap) before masking. Both off (0) run exactly the code and arithmetic they ran before.
 * Document masks (segments, attention_segments.c) give each query a key interval [run start, run end) that narrows
 * the tile range like the window and masks the rest; rows with non-contiguous ids also compare ids per key.
 * Without segments the code paths are the ones before they existed.
 * Not here: the backward (attention_backward.c) and the vector primitives (kd_attn_simd.h).
 * Parallel via kd_parallel_for with per-call scratch; results depend on the shape only, never on the thread count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "kd_attn_simd.h"
#include "kd_threadpool.h"

/* Decoding: T ≤ DECODE_MAX_T; fewer than SPLIT_ROWS (b, kv head, query) rows split S into ~SPLIT_TASKS tasks of
 * ≥ SPLIT_MIN keys. */
enum { BR = KD_ATTN_BR, BC = KD_ATTN_BC, DECODE_MAX_T = 4, SPLIT_ROWS = 16, SPLIT_TASKS = 32, SPLIT_MIN = 256 };

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* This task's slice of the per-call scratch; a thread index beyond the slots it was sized for (the thread count was
 * raised by another thread during the call) gets a private buffer in *own, which the task frees. */
float *kd_attn_thread_scratch(float *scratch, size_t per_thread, int n_slots, int thread, float **own) {
  if (thread >= 0 && thread < n_slots) return scratch + (size_t)thread * per_thread;
  return *own = aligned_alloc(64, (per_thread * sizeof(float) + 63) / 64 * 64);
}

/* One online-softmax step for `rows` rows of scores sc (row stride BC, bc valid columns; −inf = masked):
 * sc becomes P = exp(sc − m_new), l and m are updated, and the accumulator o (rows × d) is rescaled. */
static void online_softmax_step(const kd_attn_simd *isa, float *sc, int64_t rows, int64_t bc, float *m, float *l,
                                float *o, int64_t d) {
  for (int64_t i = 0; i < rows; i++) {
    float *si = sc + i * BC;
    const float rm = isa->max(si, bc);
    const float mn = rm > m[i] ? rm : m[i];
    if (mn == -INFINITY) { /* nothing visible yet in this row */
      memset(si, 0, (size_t)bc * sizeof(float));
      continue;
    }
    const float alpha = expf(m[i] - mn); /* 0 when m[i] = −inf */
    l[i] = l[i] * alpha + isa->exp_sum(si, si, bc, mn);
    if (alpha != 1.0f) {
      float *oi = o + i * d;
      for (int64_t x = 0; x < d; x++) oi[x] *= alpha;
    }
    m[i] = mn;
  }
}

/* Gemma 2's attention-logit soft-capping, s ↦ cap·tanh(s/cap) on `rows` rows (stride BC) of bc scaled scores:
 * applied before the mask and the softmax, as HF modeling_gemma2.py (attn_weights / softcap, tanh, * softcap, then
 * the causal mask) and llama.cpp (ggml_softcap before ggml_soft_max_ext; flash-attn's logit_softcap).
 * tanh z = 1 − 2/(e^(2z) + 1) through the table's vector exp (libm tanhf per score made capped prefill ~2.7× slower
 * than uncapped); e^(2z) = inf gives 1, 0 gives −1; near z = 0 the absolute error is ~1 ulp of 1, i.e. ~cap·6e-8. */
void kd_attn_softcap(const kd_attn_simd *isa, float *sc, int64_t rows, int64_t ld, int64_t bc, float cap) {
  const float two_over_cap = 2.0f / cap;
  for (int64_t i = 0; i < rows; i++) {
    float *si = sc + i * ld;
    for (int64_t j = 0; j < bc; j++) si[j] *= two_over_cap;
    isa->exp_sum(si, si, bc, 0.0f);
    for (int64_t j = 0; j < bc; j++) si[j] = cap - 2.0f * cap / (si[j] + 1.0f);
  }
}

/* First key that a query at absolute position p sees: p − window + 1 with a sliding window (HF Gemma 2 masks
 * keys with p − j ≥ window; llama.cpp's is_masked_swa the same), else 0. */
static int64_t window_start(int64_t window, int64_t p) { return window > 0 ? max64(0, p - window + 1) : 0; }

/* Batch row b's key count (seq_lens, else S) and the offset of its k/v (its kv_rows slot, else b). */
static int64_t row_len(const kd_attention_args *a, int64_t b) { return a->seq_lens ? a->seq_lens[b] : a->s; }
static int64_t row_kv(const kd_attention_args *a, int64_t b) { return (a->kv_rows ? a->kv_rows[b] : b) * a->kv_batch_stride; }

/* The split of a decoding row's key range: keys [*lo, S) (a window's first key on), in *ns pieces of *len. `base`
 * rows of (b, kv head, query) share the call: fewer than SPLIT_ROWS split a span of ≥ 2·SPLIT_MIN keys into
 * ~SPLIT_TASKS tasks so that threads have work. With seq_lens each row is split as if alone (base = Hkv·T), so a
 * sequence's result never depends on the others in its batch. The split depends on the shape only, never on the
 * thread count. */
static void decode_split(const kd_attention_args *a, int64_t base, int64_t S, int64_t *lo, int64_t *len, int64_t *ns) {
  *lo = min64(S, window_start(a->window, S - a->t));
  const int64_t span = S - *lo;
  *len = span > 0 ? span : 1;
  *ns = 1;
  if (base < SPLIT_ROWS && span >= 2 * SPLIT_MIN) {
    const int64_t want = (SPLIT_TASKS + base - 1) / base;
    int64_t l = max64(SPLIT_MIN, (span + want - 1) / want);
    l = (l + BC - 1) / BC * BC;
    *len = l;
    *ns = (span + l - 1) / l;
  }
}

/* out row = o / l, lse = m + log l; a row that saw no key gets out 0 and lse −inf. */
static void finish_row(const float *o, float m, float l, int64_t d, float *out, float *lse) {
  if (l > 0.0f) {
    const float inv = 1.0f / l;
    for (int64_t x = 0; x < d; x++) out[x] = o[x] * inv;
    *lse = m + logf(l);
  } else {
    memset(out, 0, (size_t)d * sizeof(float));
    *lse = -INFINITY;
  }
}

typedef struct {
  const kd_attention_args *a;
  const kd_attn_simd *isa;
  float *scratch;
  size_t per_thread; /* floats */
  int n_slots;       /* threads the scratch was sized for */
  int64_t n_qtiles, n_split, split_len;
  int64_t n_chunks, heads_per_chunk; /* decoding: kv heads per task */
  int64_t kv_lo;                      /* decoding: first key any query sees (0 without a window); splits start here */
  float *part; /* decode splits: per (b, hk, t, split): G×D o, then G m, G l */
  float *kt;   /* prefill: keys transposed once per call, (B, Hkv, D, S); NULL = per tile */
  kd_attn_segs segs; /* document masks (segs.ids NULL = off) */
} fwd_ctx;

/* A key tile that some of the tile's queries must not see all of (causal masking, no segments or softcap), in
 * groups of RG query rows, each against only the keys its last row sees: the columns it skips hold −inf scores, so
 * P = 0 there and the terms skipped are exact zeros of the sums (a row's max, Σ exp and every o element are the
 * same bits as over the whole tile); at T = S = 64 this leaves 5/8 of the tile's work. */
enum { RG = 16 };
static void causal_tile(const fwd_ctx *c, const float *ktile, int64_t ldkt, const float *vtile, int64_t ldv,
                        int64_t pos0, int64_t j0, int64_t br, int64_t bc, const float *qs, float *sc, float *m, float *l,
                        float *o) {
  const kd_attention_args *a = c->a;
  const kd_attn_simd *isa = c->isa;
  const int64_t D = a->d;
  for (int64_t r0 = 0; r0 < br; r0 += RG) {
    const int64_t rows = min64(RG, br - r0), cols = min64(bc, max64(0, pos0 + r0 + rows - j0));
    if (cols == 0) continue; /* no row of the group sees a key of this tile: nothing changes */
    float *sg = sc + r0 * BC;
    isa->gemm(rows, cols, D, qs + r0 * D, D, 1, ktile, ldkt, sg, BC, 0);
    for (int64_t i = 0; i < rows; i++)
      for (int64_t j = max64(0, pos0 + r0 + i + 1 - j0); j < cols; j++) sg[i * BC + j] = -INFINITY;
    if (a->window > 0 && j0 < pos0 + r0 + rows - a->window) /* some keys lie at or before p − window: mask them */
      for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0, lim = min64(cols, pos0 + r0 + i - a->window + 1 - j0); j < lim; j++) sg[i * BC + j] = -INFINITY;
    online_softmax_step(isa, sg, rows, cols, m + r0, l + r0, o + r0 * D, D);
    isa->gemm(rows, D, cols, sg, BC, 1, vtile, ldv, o + r0 * D, D, 1);
  }
}

/* Prefill: task = (b, h, query tile of BR consecutive t). */
static void fwd_tile_task(void *vctx, size_t task, int thread) {
  const fwd_ctx *c = vctx;
  const kd_attention_args *a = c->a;
  const kd_attn_simd *isa = c->isa;
  const int64_t D = a->d, T = a->t, H = a->h, Hkv = a->h_kv;
  /* last query tiles first: under causal masking they are the longest, and the pool hands out tasks in order */
  const int64_t qt = c->n_qtiles - 1 - (int64_t)task % c->n_qtiles, bh = (int64_t)task / c->n_qtiles;
  const int64_t b = bh / H, h = bh % H, hk = h * Hkv / H, S = row_len(a, b);
  const int64_t t0 = qt * BR, br = min64(BR, T - t0);
  float *own = NULL, *qs = kd_attn_thread_scratch(c->scratch, c->per_thread, c->n_slots, thread, &own); /* br × D */
  if (!qs) return;
  float *o = qs + BR * D;                                  /* br × D accumulator */
  float *kt = o + BR * D;                                  /* D × BC transposed key tile */
  float *sc = kt + D * BC;                                 /* br × BC scores, then P */
  float *m = sc + BR * BC, *l = m + BR;

  const int64_t ldq = H * D, ldk = Hkv * D;
  const float *qb = a->q + ((b * T + t0) * H + h) * D;
  for (int64_t i = 0; i < br; i++)
    for (int64_t x = 0; x < D; x++) qs[i * D + x] = a->scale * qb[i * ldq + x];
  memset(o, 0, (size_t)(br * D) * sizeof(float));
  for (int64_t i = 0; i < br; i++) m[i] = -INFINITY, l[i] = 0.0f;

  const float *kb = a->k + row_kv(a, b) + hk * D;
  const float *vb = a->v + row_kv(a, b) + hk * D;
  const int64_t pos0 = S - T + t0; /* absolute position of the tile's first query */
  int64_t s_end = a->causal ? min64(S, max64(0, pos0 + br)) : S;
  /* key tiles wholly before the first query's window hold nothing any row of the tile sees: skip them */
  int64_t s_begin = window_start(a->window, pos0) / BC * BC;
  /* documents: row i sees keys [rlo[i], rhi[i]) (and, in inexact rows, only those with its id); the tile's key range
   * is the union of the rows' intervals, contiguous because runs follow each other */
  int64_t rlo[BR], rhi[BR];
  if (c->segs.ids) {
    const int32_t *slo = c->segs.lo + b * S, *shi = c->segs.hi + b * S;
    int64_t lo_min = S, hi_max = 0;
    for (int64_t i = 0; i < br; i++) {
      const int64_t p = pos0 + i;
      rlo[i] = max64(window_start(a->window, p), slo[p]);
      rhi[i] = min64(a->causal ? p + 1 : S, shi[p]);
      lo_min = min64(lo_min, rlo[i]), hi_max = max64(hi_max, rhi[i]);
    }
    s_begin = lo_min / BC * BC, s_end = hi_max;
  }
  for (int64_t j0 = s_begin; j0 < s_end; j0 += BC) {
    const int64_t bc = min64(BC, s_end - j0);
    const float *ktile = c->kt ? c->kt + (b * Hkv + hk) * D * S + j0 : kt; /* kᵀ of the whole sequence, or per tile */
    const int64_t ldkt = c->kt ? S : BC;
    if (!c->kt) isa->transpose(kb + j0 * ldk, bc, D, ldk, kt, BC);
    if (a->causal && !c->segs.ids && a->softcap <= 0.0f && j0 + bc - 1 > pos0) {
      causal_tile(c, ktile, ldkt, vb + j0 * ldk, ldk, pos0, j0, br, bc, qs, sc, m, l, o);
      continue;
    }
    isa->gemm(br, bc, D, qs, D, 1, ktile, ldkt, sc, BC, 0);
    if (a->softcap > 0.0f) kd_attn_softcap(isa, sc, br, BC, bc, a->softcap);
    if (c->segs.ids) { /* the rows' intervals include causality and the window */
      for (int64_t i = 0; i < br; i++) {
        float *si = sc + i * BC;
        const int64_t lo = min64(bc, max64(0, rlo[i] - j0)), hi = max64(lo, min64(bc, rhi[i] - j0));
        for (int64_t j = 0; j < lo; j++) si[j] = -INFINITY;
        for (int64_t j = hi; j < bc; j++) si[j] = -INFINITY;
        kd_attn_segs_mask(&c->segs, b, pos0 + i, j0 + lo, hi - lo, si + lo);
      }
    } else {
      if (a->causal && j0 + bc - 1 > pos0) /* some keys lie after some queries: mask them */
        for (int64_t i = 0; i < br; i++)
          for (int64_t j = max64(0, pos0 + i + 1 - j0); j < bc; j++) sc[i * BC + j] = -INFINITY;
      if (a->window > 0 && j0 < pos0 + br - a->window) /* some keys lie at or before p − window: mask them */
        for (int64_t i = 0; i < br; i++)
          for (int64_t j = 0, lim = min64(bc, pos0 + i - a->window + 1 - j0); j < lim; j++) sc[i * BC + j] = -INFINITY;
    }
    online_softmax_step(isa, sc, br, bc, m, l, o, D);
    isa->gemm(br, D, bc, sc, BC, 1, vb + j0 * ldk, ldk, o, D, 1);
  }
  for (int64_t i = 0; i < br; i++)
    finish_row(o + i * D, m[i], l[i], D, a->out + ((b * T + t0 + i) * H + h) * D, a->lse + (b * H + h) * T + t0 + i);
  free(own);
}

/* Asks for the k and v rows of a key block (rows × width floats, stride ld) at once: a decode task reads a cold
 * KV cache (the last step left it long ago), and requests issued together overlap their memory latency where the
 * hardware prefetcher would ramp up over the block. A hint only: no result depends on it. */
static void prefetch_block(const float *k, const float *v, int64_t rows, int64_t ld, int64_t width) {
  for (int64_t j = 0; j < rows; j++)
    for (int64_t x = 0; x < width; x += 16) {
      __builtin_prefetch(k + j * ld + x, 0, 3);
      __builtin_prefetch(v + j * ld + x, 0, 3);
    }
}

/* Decoding: task = (b, t, chunk of kv heads, split of the key range); rows are the G query heads of each kv head.
 * Key blocks outer, kv heads inner: the block's k and v rows of all heads in the chunk (contiguous in memory) are
 * read together, where one head alone would stride Hkv·D between rows. Heads are independent, so how they are
 * chunked never changes a result. */
static void fwd_decode_task(void *vctx, size_t task, int thread) {
  const fwd_ctx *c = vctx;
  const kd_attention_args *a = c->a;
  const kd_attn_simd *isa = c->isa;
  const int64_t D = a->d, T = a->t, H = a->h, Hkv = a->h_kv, G = H / Hkv, hc = c->heads_per_chunk;
  const int64_t sp = (int64_t)task % c->n_split, rest = (int64_t)task / c->n_split;
  const int64_t chunk = rest % c->n_chunks, bt = rest / c->n_chunks, t = bt % T, b = bt / T;
  const int64_t hk0 = chunk * hc, nh = min64(hc, Hkv - hk0);
  const int64_t S = row_len(a, b), kvb = row_kv(a, b);
  int64_t kv_lo = c->kv_lo, split_len = c->split_len, n_split = c->n_split;
  if (a->seq_lens) decode_split(a, Hkv * T, S, &kv_lo, &split_len, &n_split);
  if (nh <= 0 || sp >= n_split) return;
  float *own = NULL, *qs = kd_attn_thread_scratch(c->scratch, c->per_thread, c->n_slots, thread, &own);
  if (!qs) return;
  float *o = qs + hc * G * D;  /* per head: G × D scaled queries (qs), G × D accumulator (o) */
  float *sc = o + hc * G * D;  /* G × BC */
  float *m = sc + G * BC, *l = m + hc * G;

  const float *qb = a->q + ((b * T + t) * H + hk0 * G) * D; /* the chunk's query heads are contiguous */
  for (int64_t i = 0; i < nh * G * D; i++) qs[i] = a->scale * qb[i];
  memset(o, 0, (size_t)(nh * G * D) * sizeof(float));
  for (int64_t i = 0; i < nh * G; i++) m[i] = -INFINITY, l[i] = 0.0f;

  const int64_t ldk = Hkv * D;
  const int64_t visible = a->causal ? min64(S, max64(0, S - T + t + 1)) : S;
  /* the G rows share one position, so a window only narrows the key range: no per-element mask */
  const int64_t split0 = kv_lo + sp * split_len;
  int64_t s_begin = max64(split0, window_start(a->window, S - T + t)), s_end = min64(visible, split0 + split_len);
  if (c->segs.ids) { /* documents: one more interval, the query's run (or everything, tested per key, if inexact) */
    s_begin = max64(s_begin, c->segs.lo[b * S + S - T + t]);
    s_end = min64(s_end, c->segs.hi[b * S + S - T + t]);
  }
  prefetch_block(a->k + kvb + s_begin * ldk + hk0 * D, a->v + kvb + s_begin * ldk + hk0 * D, min64(BC, s_end - s_begin), ldk, nh * D);
  for (int64_t j0 = s_begin; j0 < s_end; j0 += BC) {
    const int64_t bc = min64(BC, s_end - j0);
    if (j0 + BC < s_end) prefetch_block(a->k + kvb + (j0 + BC) * ldk + hk0 * D, a->v + kvb + (j0 + BC) * ldk + hk0 * D, min64(BC, s_end - j0 - BC), ldk, nh * D);
    else if (c->n_split == 1 && c->n_chunks == 1 && bt + 1 < a->b * T) { /* the next task's first block: the next row */
      const int64_t b1 = (bt + 1) / T, t1 = (bt + 1) % T, S1 = row_len(a, b1);
      const int64_t lo1 = window_start(a->window, S1 - T + t1), hi1 = a->causal ? min64(S1, max64(0, S1 - T + t1 + 1)) : S1;
      if (lo1 < hi1) prefetch_block(a->k + row_kv(a, b1) + lo1 * ldk, a->v + row_kv(a, b1) + lo1 * ldk, min64(BC, hi1 - lo1), ldk, Hkv * D);
    }
    for (int64_t e = 0; e < nh; e++) {
      const int64_t off = kvb + j0 * ldk + (hk0 + e) * D;
      float *oe = o + e * G * D, *me = m + e * G, *le = l + e * G;
      isa->gemm_nt(G, bc, D, qs + e * G * D, D, a->k + off, ldk, sc, BC);
      if (a->softcap > 0.0f) kd_attn_softcap(isa, sc, G, BC, bc, a->softcap);
      for (int64_t i = 0; c->segs.ids && i < G; i++) kd_attn_segs_mask(&c->segs, b, S - T + t, j0, bc, sc + i * BC);
      online_softmax_step(isa, sc, G, bc, me, le, oe, D);
      isa->gemm(G, D, bc, sc, BC, 1, a->v + off, ldk, oe, D, 1);
    }
  }
  for (int64_t e = 0; e < nh; e++) {
    const int64_t hk = hk0 + e;
    const float *oe = o + e * G * D, *me = m + e * G, *le = l + e * G;
    if (n_split == 1) {
      for (int64_t i = 0; i < G; i++)
        finish_row(oe + i * D, me[i], le[i], D, a->out + ((b * T + t) * H + hk * G + i) * D,
                   a->lse + (b * H + hk * G + i) * T + t);
    } else { /* partial results in the merge's order: (b, hk, t, split) */
      float *p = c->part + (size_t)(((b * Hkv + hk) * T + t) * c->n_split + sp) * (size_t)(G * D + 2 * G);
      memcpy(p, oe, (size_t)(G * D) * sizeof(float));
      memcpy(p + G * D, me, (size_t)G * sizeof(float));
      memcpy(p + G * D + G, le, (size_t)G * sizeof(float));
    }
  }
  free(own);
}

/* Merges the splits of one (b, hk, t) in split order: m = max m_s, l = Σ l_s e^(m_s − m), o likewise. */
static void fwd_merge_task(void *vctx, size_t task, int thread) {
  (void)thread;
  const fwd_ctx *c = vctx;
  const kd_attention_args *a = c->a;
  const int64_t D = a->d, T = a->t, H = a->h, Hkv = a->h_kv, G = H / Hkv;
  const int64_t t = (int64_t)task % T, b = (int64_t)task / T / Hkv, hk = (int64_t)task / T % Hkv;
  const size_t stride = (size_t)(G * D + 2 * G);
  const float *p0 = c->part + (size_t)task * (size_t)c->n_split * stride;
  int64_t ns = c->n_split, lo, len;
  if (a->seq_lens) decode_split(a, Hkv * T, row_len(a, b), &lo, &len, &ns);
  if (ns == 1) return; /* the decode task wrote this row's result itself */
  for (int64_t i = 0; i < G; i++) {
    float mx = -INFINITY;
    for (int64_t s = 0; s < ns; s++) {
      const float ms = p0[s * stride + G * D + i];
      mx = ms > mx ? ms : mx;
    }
    float *out = a->out + ((b * T + t) * H + hk * G + i) * D;
    float *lse = a->lse + (b * H + hk * G + i) * T + t;
    memset(out, 0, (size_t)D * sizeof(float));
    if (mx == -INFINITY) {
      *lse = -INFINITY;
      continue;
    }
    float lsum = 0.0f;
    for (int64_t s = 0; s < ns; s++) {
      const float *ps = p0 + s * stride;
      const float ms = ps[G * D + i], ls = ps[G * D + G + i];
      if (ms == -INFINITY) continue;
      const float w = expf(ms - mx);
      lsum += ls * w;
      for (int64_t x = 0; x < D; x++) out[x] += w * ps[i * D + x];
    }
    const float inv = 1.0f / lsum;
    for (int64_t x = 0; x < D; x++) out[x] *= inv;
    *lse = mx + logf(lsum);
  }
}

size_t kd_attn_max_transpose_bytes = (size_t)1 << 28;

typedef struct {
  const kd_attn_simd *isa;
  const float *src;
  float *dst;
  int64_t s, h_kv, d, kv_batch_stride, n_tiles;
} transpose_ctx;

static void transpose_task(void *vctx, size_t task, int thread) {
  (void)thread;
  const transpose_ctx *c = vctx;
  const int64_t tile = (int64_t)task % c->n_tiles, bh = (int64_t)task / c->n_tiles;
  const int64_t b = bh / c->h_kv, hk = bh % c->h_kv, j0 = tile * BC;
  c->isa->transpose(c->src + b * c->kv_batch_stride + hk * c->d + j0 * c->h_kv * c->d, min64(BC, c->s - j0), c->d,
                    c->h_kv * c->d, c->dst + bh * c->d * c->s + j0, c->s);
}

float *kd_attn_transpose_kv(const kd_attn_simd *isa, const float *src, int64_t b, int64_t s, int64_t h_kv, int64_t d,
                            int64_t kv_batch_stride) {
  const size_t bytes = (size_t)(b * h_kv * d * s) * sizeof(float);
  if (bytes == 0 || bytes > kd_attn_max_transpose_bytes) return NULL;
  float *dst = aligned_alloc(64, (bytes + 63) / 64 * 64);
  if (!dst) return NULL;
  transpose_ctx c = {isa, src, dst, s, h_kv, d, kv_batch_stride, (s + BC - 1) / BC};
  kd_parallel_for((size_t)(b * h_kv * c.n_tiles), transpose_task, &c);
  return dst;
}

static void fill_nan(const kd_attention_args *a) {
  for (int64_t i = 0; i < a->b * a->t * a->h * a->d; i++) a->out[i] = NAN;
  for (int64_t i = 0; i < a->b * a->h * a->t; i++) a->lse[i] = NAN;
}

void kd_attention_forward_isa(const kd_attn_simd *isa, const kd_attention_args *a) {
  const int64_t D = a->d, T = a->t, S = a->s, H = a->h, Hkv = a->h_kv, B = a->b;
  if (B <= 0 || T <= 0 || H <= 0 || D <= 0 || Hkv <= 0 || H % Hkv != 0) return; /* the binding rejects these */
  const int threads = kd_get_threads() < 1 ? 1 : kd_get_threads();
  fwd_ctx c = {a, isa, NULL, 0, threads, 1, 1, S > 0 ? S : 1, 1, Hkv, 0, NULL, NULL, {NULL, 0, NULL, NULL, NULL}};
  if (a->segments && T > S) return; /* the binding rejects this: queries are positions S − T … S − 1 of the ids */
  if (!kd_attn_segs_init(&c.segs, a->segments, B, S)) {
    fill_nan(a);
    return;
  }
  if (T <= DECODE_MAX_T) {
    const int64_t G = H / Hkv, base = B * Hkv * T;
    /* With a window only keys [kv_lo, S) are seen by any query (the first query's window start): split that span.
     * With seq_lens every row has its own split (decode_split, in the tasks); the task grid takes the most. */
    decode_split(a, base, S, &c.kv_lo, &c.split_len, &c.n_split);
    if (a->seq_lens) {
      c.n_split = 1;
      for (int64_t b = 0; b < B; b++) {
        int64_t lo, len, ns;
        decode_split(a, Hkv * T, row_len(a, b), &lo, &len, &ns);
        c.n_split = max64(c.n_split, ns);
      }
    }
    /* As few kv-head chunks as keep every thread busy (chunking changes no result, so it may follow threads). */
    const int64_t rows = B * T * c.n_split;
    c.n_chunks = min64(Hkv, max64(1, (4 * threads + rows - 1) / rows));
    c.heads_per_chunk = (Hkv + c.n_chunks - 1) / c.n_chunks;
    c.n_chunks = (Hkv + c.heads_per_chunk - 1) / c.heads_per_chunk;
    c.per_thread = (size_t)(c.heads_per_chunk * (2 * G * D + 2 * G) + G * BC + 16);
    c.scratch = aligned_alloc(64, ((size_t)threads * c.per_thread * sizeof(float) + 63) / 64 * 64);
    if (c.n_split > 1) c.part = malloc((size_t)(base * c.n_split) * (size_t)(G * D + 2 * G) * sizeof(float));
    if (!c.scratch || (c.n_split > 1 && !c.part)) {
      fill_nan(a);
    } else {
      kd_parallel_for((size_t)(rows * c.n_chunks), fwd_decode_task, &c);
      if (c.n_split > 1) kd_parallel_for((size_t)base, fwd_merge_task, &c);
    }
    free(c.part);
  } else {
    c.n_qtiles = (T + BR - 1) / BR;
    /* kᵀ once per call pays when a key tile meets several query tiles or heads; otherwise transpose per tile */
    if (c.n_qtiles * (H / Hkv) > 1 && !a->seq_lens && !a->kv_rows) c.kt = kd_attn_transpose_kv(isa, a->k, B, S, Hkv, D, a->kv_batch_stride);
    c.per_thread = (size_t)(2 * BR * D + D * BC + BR * BC + 2 * BR + 16);
    c.scratch = aligned_alloc(64, ((size_t)threads * c.per_thread * sizeof(float) + 63) / 64 * 64);
    if (!c.scratch) fill_nan(a);
    else kd_parallel_for((size_t)(B * H * c.n_qtiles), fwd_tile_task, &c);
  }
  free(c.scratch);
  free(c.kt);
  kd_attn_segs_free(&c.segs);
}

void kd_attention_forward(const kd_attention_args *a) { kd_attention_forward_isa(kd_attn_simd_best(), a); }
