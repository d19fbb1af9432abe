/* Node-API glue of the kernels owned elsewhere: GEMM (kd_gemm.h), fused attention (kd_attention.h) and fused
 * cross-entropy (kd_xent.h). Not here: their code. Strides, head counts and target ids are checked here so
 * that those kernels never index outside the arrays they are given. */
#include "kd_attention.h"
#include "kd_gemm.h"
#include "kd_napi.h"
#include "kd_ops.h"
#include "kd_xent.h"

KD_OP(gemm) {
  kd_args a;
  if (!kd_args_begin(env, info, "gemm", &a)) return NULL;
  kd_gemm_args g;
  g.trans_a = kd_bool(&a, "transA");
  g.trans_b = kd_bool(&a, "transB");
  g.m = kd_size(&a, "m");
  g.n = kd_size(&a, "n");
  g.k = kd_size(&a, "k");
  g.alpha = (float)kd_num(&a, "alpha");
  g.beta = (float)kd_num(&a, "beta");
  g.lda = kd_size(&a, "lda");
  g.ldb = kd_size(&a, "ldb");
  g.ldc = kd_size(&a, "ldc");
  g.stride_a = kd_size(&a, "strideA");
  g.stride_b = kd_size(&a, "strideB");
  g.stride_c = kd_size(&a, "strideC");
  g.batch = kd_size(&a, "batch");
  if (a.bad) return NULL;
  int64_t ar = g.trans_a ? g.k : g.m, ac = g.trans_a ? g.m : g.k;
  int64_t br = g.trans_b ? g.n : g.k, bc = g.trans_b ? g.k : g.n;
  if (g.lda < ac || g.ldb < bc || g.ldc < g.n) {
    kd_fail(&a, 0, "leading dimensions too small: lda %lld (needs ≥ %lld), ldb %lld (≥ %lld), ldc %lld (≥ %lld)",
            (long long)g.lda, (long long)ac, (long long)g.ldb, (long long)bc, (long long)g.ldc, (long long)g.n);
    return NULL;
  }
  if (g.batch > 1 && g.m > 0 && g.n > 0 && g.stride_c < kd_mul(&a, g.m, g.ldc)) {
    kd_fail(&a, 0, "strideC %lld would make batch items of C overlap (needs ≥ m·ldc = %lld)",
            (long long)g.stride_c, (long long)(g.m * g.ldc));
    return NULL;
  }
  g.a = kd_f32(&a, "a", kd_span(&a, g.batch, g.stride_a, ar, g.lda, ac));
  g.b = kd_f32(&a, "b", kd_span(&a, g.batch, g.stride_b, br, g.ldb, bc));
  g.c = kd_f32(&a, "c", kd_span(&a, g.batch, g.stride_c, g.m, g.ldc, g.n));
  g.bias = kd_f32_opt(&a, "bias", g.n);
  if (a.bad) return NULL;
  if (g.bias != NULL && g.beta != 0.0f) {
    kd_fail(&a, 0, "bias needs beta = 0 (C starts from the bias rows), got beta %g", (double)g.beta);
    return NULL;
  }
  kd_sgemm(&g);
  return NULL;
}

/* The optional window (an integer ≥ 0) and softcap (finite, ≥ 0) of attention; absent or null = 0 = off. */
static void attn_options(kd_args *a, int64_t *window, float *softcap) {
  *window = kd_has(a, "window") ? kd_size(a, "window") : 0;
  const double cap = kd_has(a, "softcap") ? kd_num(a, "softcap") : 0.0;
  if (!a->bad && !(cap >= 0.0 && cap <= 3.4e38)) kd_fail(a, 0, "softcap must be a finite number ≥ 0 (got %g)", cap);
  *softcap = (float)cap;
}

/* The optional segment ids of document-masked attention (Int32, ≥ b·s; absent or null = off): row b is
 * segments[b·s … b·s + s); the queries are its last t positions, so t ≤ s. */
static const int32_t *attn_segments(kd_args *a, int64_t b, int64_t t, int64_t s) {
  if (a->bad || !kd_has(a, "segments")) return NULL;
  if (t > s) {
    kd_fail(a, 0, "segments need t ≤ s (queries are the last t of the s positions; got t %lld, s %lld)", (long long)t,
            (long long)s);
    return NULL;
  }
  return kd_i32(a, "segments", kd_mul(a, b, s));
}

/* Sizes shared by attention forward and backward; returns the q/out and k/v element counts. */
static void attn_sizes(kd_args *a, int64_t *sz, int *causal, float *scale, int64_t *q_len, int64_t *kv_len) {
  static const char *const names[] = {"b", "t", "s", "h", "hKv", "d", "kvBatchStride"};
  for (int i = 0; i < 7; i++) sz[i] = kd_size(a, names[i]);
  *causal = kd_bool(a, "causal");
  *scale = (float)kd_num(a, "scale");
  if (a->bad) return;
  int64_t b = sz[0], t = sz[1], s = sz[2], h = sz[3], hkv = sz[4], d = sz[5], kvs = sz[6];
  if (hkv == 0 || h % hkv != 0) kd_fail(a, 0, "h (%lld) must be a positive multiple of hKv (%lld)", (long long)h, (long long)hkv);
  else if (kvs < kd_mul3(a, s, hkv, d)) kd_fail(a, 0, "kvBatchStride %lld is below s·hKv·d = %lld", (long long)kvs, (long long)(s * hkv * d));
  else if (*causal && t > s) kd_fail(a, 0, "causal attention needs t ≤ s (got t %lld, s %lld)", (long long)t, (long long)s);
  *q_len = kd_mul4(a, b, t, h, d);
  *kv_len = kd_span(a, b, kvs, s, hkv * d, hkv * d);
}

/* The optional seqLens and kvRows (Int32, ≥ b each; absent or null = off) of batched decoding over sequences of
 * different lengths: row b holds seqLens[b] keys, t ≤ seqLens[b] ≤ s, in slot kvRows[b] of k and v, whose slot
 * kvRows[b]·kvBatchStride + s·hKv·d must lie within k and v. Not with segments. */
static void attn_varlen(kd_args *a, kd_attention_args *g) {
  g->seq_lens = g->kv_rows = NULL;
  if (a->bad) return;
  const int has_lens = kd_has(a, "seqLens"), has_rows = kd_has(a, "kvRows");
  if (!has_lens && !has_rows) return;
  if (g->segments) {
    kd_fail(a, 0, "seqLens and kvRows do not combine with segments");
    return;
  }
  if (has_lens) {
    g->seq_lens = kd_i32(a, "seqLens", g->b);
    if (a->bad) return;
    for (int64_t i = 0; i < g->b; i++)
      if (g->seq_lens[i] < (g->causal ? g->t : 1) || g->seq_lens[i] > g->s) {
        kd_fail(a, 0, "seqLens[%lld]=%d must lie in [%lld, s=%lld]", (long long)i, (int)g->seq_lens[i],
                (long long)(g->causal ? g->t : 1), (long long)g->s);
        return;
      }
  }
  if (has_rows) {
    g->kv_rows = kd_i32(a, "kvRows", g->b);
    if (a->bad) return;
    const int64_t kn = kd_length(a, "k", napi_float32_array), vn = kd_length(a, "v", napi_float32_array);
    if (a->bad) return;
    const int64_t item = g->s * g->h_kv * g->d, have = kn < vn ? kn : vn;
    for (int64_t i = 0; i < g->b; i++)
      if (g->kv_rows[i] < 0 || (int64_t)g->kv_rows[i] * g->kv_batch_stride + item > have) {
        kd_fail(a, 0, "kvRows[%lld]=%d: its slot ends past k/v (%lld elements, kvBatchStride=%lld)", (long long)i,
                (int)g->kv_rows[i], (long long)have, (long long)g->kv_batch_stride);
        return;
      }
  }
}

KD_OP(attention) {
  kd_args a;
  if (!kd_args_begin(env, info, "attention", &a)) return NULL;
  int64_t sz[7], ql = 0, kvl = 0;
  kd_attention_args g;
  attn_sizes(&a, sz, &g.causal, &g.scale, &ql, &kvl);
  attn_options(&a, &g.window, &g.softcap);
  if (a.bad) return NULL;
  g.b = sz[0]; g.t = sz[1]; g.s = sz[2]; g.h = sz[3]; g.h_kv = sz[4]; g.d = sz[5]; g.kv_batch_stride = sz[6];
  g.q = kd_f32(&a, "q", ql);
  g.k = kd_f32(&a, "k", kvl);
  g.v = kd_f32(&a, "v", kvl);
  g.out = kd_f32(&a, "out", ql);
  g.lse = kd_f32(&a, "lse", kd_mul3(&a, g.b, g.h, g.t));
  g.segments = attn_segments(&a, g.b, g.t, g.s);
  attn_varlen(&a, &g);
  if (a.bad) return NULL;
  kd_attention_forward(&g);
  return NULL;
}

KD_OP(attentionBackward) {
  kd_args a;
  if (!kd_args_begin(env, info, "attentionBackward", &a)) return NULL;
  int64_t sz[7], ql = 0, kvl = 0;
  kd_attention_backward_args g;
  attn_sizes(&a, sz, &g.causal, &g.scale, &ql, &kvl);
  attn_options(&a, &g.window, &g.softcap);
  if (a.bad) return NULL;
  g.b = sz[0]; g.t = sz[1]; g.s = sz[2]; g.h = sz[3]; g.h_kv = sz[4]; g.d = sz[5]; g.kv_batch_stride = sz[6];
  g.dout = kd_f32(&a, "dOut", ql);
  g.q = kd_f32(&a, "q", ql);
  g.k = kd_f32(&a, "k", kvl);
  g.v = kd_f32(&a, "v", kvl);
  g.out = kd_f32(&a, "out", ql);
  g.lse = kd_f32(&a, "lse", kd_mul3(&a, g.b, g.h, g.t));
  g.dq = kd_f32(&a, "dq", ql);
  g.dk = kd_f32(&a, "dk", kvl);
  g.dv = kd_f32(&a, "dv", kvl);
  g.segments = attn_segments(&a, g.b, g.t, g.s);
  if (a.bad) return NULL;
  kd_attention_backward(&g);
  return NULL;
}

/* Every target is in [0, v) or equals ignore_index. */
static void check_targets(kd_args *a, const int32_t *targets, int64_t n, int64_t v, int32_t ignore) {
  if (a->bad) return;
  for (int64_t i = 0; i < n; i++) {
    int32_t y = targets[i];
    if (y != ignore && (y < 0 || (int64_t)y >= v)) {
      kd_fail(a, 0, "targets[%lld] = %d is outside [0, %lld) and is not ignoreIndex (%d)", (long long)i, y,
              (long long)v, ignore);
      return;
    }
  }
}

KD_OP(crossEntropy) {
  kd_args a;
  if (!kd_args_begin(env, info, "crossEntropy", &a)) return NULL;
  int64_t n = kd_size(&a, "n"), v = kd_size(&a, "v");
  int32_t ignore = (int32_t)kd_int(&a, "ignoreIndex", INT32_MIN, INT32_MAX);
  const float *logits = kd_f32(&a, "logits", kd_mul(&a, n, v));
  const int32_t *targets = kd_i32(&a, "targets", n);
  float *losses = kd_f32(&a, "losses", n), *lse = kd_f32(&a, "lse", n);
  check_targets(&a, targets, n, v, ignore);
  if (a.bad) return NULL;
  kd_cross_entropy_forward(logits, targets, n, v, ignore, losses, lse);
  return NULL;
}

KD_OP(crossEntropyBackward) {
  kd_args a;
  if (!kd_args_begin(env, info, "crossEntropyBackward", &a)) return NULL;
  int64_t n = kd_size(&a, "n"), v = kd_size(&a, "v"), nv = kd_mul(&a, n, v);
  int32_t ignore = (int32_t)kd_int(&a, "ignoreIndex", INT32_MIN, INT32_MAX);
  const float *logits = kd_f32(&a, "logits", nv);
  const int32_t *targets = kd_i32(&a, "targets", n);
  const float *lse = kd_f32(&a, "lse", n), *dl = kd_f32(&a, "dLosses", n);
  float *dlogits = kd_f32(&a, "dLogits", nv);
  check_targets(&a, targets, n, v, ignore);
  if (a.bad) return NULL;
  kd_cross_entropy_backward(logits, targets, lse, dl, n, v, ignore, dlogits);
  return NULL;
}
