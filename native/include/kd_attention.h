/* Fused attention (flash-attention style, GQA, causal, sliding window, soft-capped scores, document masks) forward and
 * backward: the C entry points.
 * Not here: the kernels themselves (native/generic/attention*.c, native/avx2, native/avx512) or Node-API glue.
 * Semantics are those of AttentionArgs / AttentionBackwardArgs in src/engine/ops.ts; backward ACCUMULATES. */
#ifndef KD_ATTENTION_H
#define KD_ATTENTION_H
#include <stdint.h>
typedef struct { const float *q, *k, *v; float *out, *lse; int64_t b, t, s, h, h_kv, d, kv_batch_stride; int causal; float scale;
  /* window > 0: query at absolute position p = S − T + t sees only keys j > p − window (Mistral/Gemma local layers);
   * softcap > 0: each scaled score s becomes softcap·tanh(s/softcap) (Gemma 2). 0 = off; last so that positional
   * initializers written before these fields existed still mean "off".
   * segments (B, S) or NULL: document masking of packed sequences; query at p sees key j only if
   * segments[b·S + j] == segments[b·S + p]. Row b holds S ids whatever kv_batch_stride is; needs t ≤ s.
   * seq_lens (B) or NULL: row b holds seq_lens[b] ≤ S keys (its queries sit at seq_lens[b] − T + t), as
   * flash_attn_with_kvcache's cache_seqlens; kv_rows (B) or NULL: row b reads k/v at kv_rows[b]·kv_batch_stride
   * (its slot of a pooled KV cache). Both let one call attend B sequences of different lengths (batched decode);
   * neither combines with segments. */
  int64_t window; float softcap; const int32_t *segments; const int32_t *seq_lens, *kv_rows; } kd_attention_args;
void kd_attention_forward(const kd_attention_args *a);
typedef struct { const float *dout, *q, *k, *v, *out, *lse; float *dq, *dk, *dv; int64_t b, t, s, h, h_kv, d, kv_batch_stride; int causal; float scale;
  int64_t window; float softcap; const int32_t *segments; } kd_attention_backward_args;
void kd_attention_backward(const kd_attention_backward_args *a);   /* dk, dv have the same layout/stride as k, v */
#endif
