/* Cross-entropy fused with log-softmax over the vocabulary, with an ignore index: the C entry points.
 * Not here: kernels (native/generic/xent.c) or Node-API glue. Semantics: CrossEntropyArgs in src/engine/ops.ts. */
#ifndef KD_XENT_H
#define KD_XENT_H
#include <stdint.h>
void kd_cross_entropy_forward(const float *logits, const int32_t *targets, int64_t n, int64_t v, int32_t ignore_index, float *losses, float *lse);
void kd_cross_entropy_backward(const float *logits, const int32_t *targets, const float *lse, const float *dlosses, int64_t n, int64_t v, int32_t ignore_index, float *dlogits);
#endif
