/* Naive double-precision references for the dev/attention harness: attention with the full softmax matrix
 * materialized (forward and backward) and cross-entropy. Not here: the kernels under test or the comparisons. */
#ifndef DEV_ATTENTION_REF_H
#define DEV_ATTENTION_REF_H
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct {
  int64_t b, t, s, h, h_kv, d, kvs; /* kvs = kv batch stride */
  int causal;
  double scale;
  int64_t window; /* > 0: query at p = S − T + t sees keys j > p − window only */
  double softcap; /* > 0: scores s become softcap·tanh(s/softcap) */
} ref_shape;

/* First visible key of query t: S − T + t − window + 1 with a sliding window, else 0. */
static inline int64_t ref_first(const ref_shape *p, int64_t t) {
  if (p->window <= 0) return 0;
  const int64_t f = p->s - p->t + t - p->window + 1;
  return f < 0 ? 0 : f;
}
/* The scaled, possibly capped score of a raw dot product. */
static inline double ref_score(const ref_shape *p, double dot) {
  const double s = dot * p->scale;
  return p->softcap > 0 ? p->softcap * tanh(s / p->softcap) : s;
}

/* One past the last visible key of query t: S − T + t + 1 under causal masking, else S. */
static inline int64_t ref_visible(const ref_shape *p, int64_t t) {
  if (!p->causal) return p->s;
  const int64_t v = p->s - p->t + t + 1;
  return v < 0 ? 0 : v > p->s ? p->s : v;
}

/* out (B,T,H,D), lse (B,H,T); inputs given as double arrays with the kernel's layouts. */
static void ref_attention(const ref_shape *p, const double *q, const double *k, const double *v, double *out,
                          double *lse) {
  const int64_t D = p->d, T = p->t, H = p->h, Hkv = p->h_kv;
  double *sc = malloc(sizeof(double) * (size_t)(p->s > 0 ? p->s : 1));
  for (int64_t b = 0; b < p->b; b++)
    for (int64_t h = 0; h < H; h++)
      for (int64_t t = 0; t < T; t++) {
        const int64_t hk = h * Hkv / H, n = ref_visible(p, t), j0 = ref_first(p, t);
        const double *qr = q + ((b * T + t) * H + h) * D;
        double *o = out + ((b * T + t) * H + h) * D;
        double mx = -INFINITY;
        for (int64_t j = j0; j < n; j++) {
          const double *kr = k + b * p->kvs + (j * Hkv + hk) * D;
          double s = 0;
          for (int64_t x = 0; x < D; x++) s += qr[x] * kr[x];
          sc[j] = ref_score(p, s);
          mx = sc[j] > mx ? sc[j] : mx;
        }
        double sum = 0;
        for (int64_t j = j0; j < n; j++) sum += exp(sc[j] - mx);
        for (int64_t x = 0; x < D; x++) o[x] = 0;
        for (int64_t j = j0; j < n; j++) {
          const double pj = exp(sc[j] - mx) / sum;
          const double *vr = v + b * p->kvs + (j * Hkv + hk) * D;
          for (int64_t x = 0; x < D; x++) o[x] += pj * vr[x];
        }
        lse[(b * H + h) * T + t] = n > j0 ? mx + log(sum) : -INFINITY;
      }
  free(sc);
}

/* dq, dk, dv += gradients of Σ dout ⊙ out (materialized P, dP, dS). */
static void ref_attention_backward(const ref_shape *p, const double *dout, const double *q, const double *k,
                                   const double *v, double *dq, double *dk, double *dv) {
  const int64_t D = p->d, T = p->t, H = p->h, Hkv = p->h_kv;
  double *pr = malloc(sizeof(double) * (size_t)(p->s > 0 ? p->s : 1));
  double *dp = malloc(sizeof(double) * (size_t)(p->s > 0 ? p->s : 1));
  double *cs = malloc(sizeof(double) * (size_t)(p->s > 0 ? p->s : 1)); /* the (capped) scores */
  for (int64_t b = 0; b < p->b; b++)
    for (int64_t h = 0; h < H; h++)
      for (int64_t t = 0; t < T; t++) {
        const int64_t hk = h * Hkv / H, n = ref_visible(p, t), j0 = ref_first(p, t);
        if (n <= j0) continue;
        const double *qr = q + ((b * T + t) * H + h) * D, *g = dout + ((b * T + t) * H + h) * D;
        double mx = -INFINITY, sum = 0, dsum = 0;
        for (int64_t j = j0; j < n; j++) {
          const double *kr = k + b * p->kvs + (j * Hkv + hk) * D;
          double s = 0;
          for (int64_t x = 0; x < D; x++) s += qr[x] * kr[x];
          cs[j] = pr[j] = ref_score(p, s);
          mx = pr[j] > mx ? pr[j] : mx;
        }
        for (int64_t j = j0; j < n; j++) sum += (pr[j] = exp(pr[j] - mx));
        for (int64_t j = j0; j < n; j++) {
          pr[j] /= sum;
          const double *vr = v + b * p->kvs + (j * Hkv + hk) * D;
          double s = 0;
          for (int64_t x = 0; x < D; x++) s += g[x] * vr[x];
          dp[j] = s;
          dsum += pr[j] * s;
        }
        for (int64_t j = j0; j < n; j++) {
          /* d(cap·tanh(s/cap))/ds = 1 − tanh²(s/cap) = 1 − (c/cap)², c the capped score */
          const double dc = p->softcap > 0 ? 1 - (cs[j] / p->softcap) * (cs[j] / p->softcap) : 1;
          const double ds = pr[j] * (dp[j] - dsum) * p->scale * dc;
          const double *kr = k + b * p->kvs + (j * Hkv + hk) * D;
          double *dkr = dk + b * p->kvs + (j * Hkv + hk) * D, *dvr = dv + b * p->kvs + (j * Hkv + hk) * D;
          double *dqr = dq + ((b * T + t) * H + h) * D;
          for (int64_t x = 0; x < D; x++) {
            dqr[x] += ds * kr[x];
            dkr[x] += ds * qr[x];
            dvr[x] += pr[j] * g[x];
          }
        }
      }
  free(pr);
  free(dp);
  free(cs);
}

/* losses, lse (N); ignored or out-of-range targets give loss 0. */
static void ref_xent(const double *x, const int32_t *tg, int64_t n, int64_t v, int32_t ignore, double *loss,
                     double *lse) {
  for (int64_t i = 0; i < n; i++) {
    const double *r = x + i * v;
    double mx = -INFINITY, s = 0;
    for (int64_t j = 0; j < v; j++) mx = r[j] > mx ? r[j] : mx;
    for (int64_t j = 0; j < v; j++) s += exp(r[j] - mx);
    lse[i] = mx + log(s);
    loss[i] = (tg[i] != ignore && tg[i] >= 0 && tg[i] < v) ? lse[i] - r[tg[i]] : 0.0;
  }
}

#endif
