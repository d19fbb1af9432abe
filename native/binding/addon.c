/* Node-API module of kotodama: registers every op of src/engine/ops.ts under its op-table name (each takes
 * the op's args object, zero-copy over its TypedArrays) plus setThreads/getThreads/isa/setIsa/quantVnni, the
 * tokenizer's bpeMerge, the sampler's topK, adviseHugePages and alignOffset (where scratch and the KV pool sit).
 * Not here: argument checking (ops_*.c with kd_napi.c) or kernels (native/generic, avx2, avx512). */
#include "kd_ops.h"

#define KD_REG(name) {#name, 0, kd_op_##name, 0, 0, 0, napi_enumerable, 0}

NAPI_MODULE_INIT() {
  napi_property_descriptor d[] = {
    KD_REG(gemm), KD_REG(binary), KD_REG(unary), KD_REG(reduce), KD_REG(broadcast), KD_REG(permute),
    KD_REG(embedding), KD_REG(embeddingBackward), KD_REG(layerNorm), KD_REG(layerNormBackward),
    KD_REG(rmsNorm), KD_REG(rmsNormBackward), KD_REG(softmax), KD_REG(softmaxBackward), KD_REG(activation),
    KD_REG(activationBackward), KD_REG(swiglu), KD_REG(swigluBackward), KD_REG(rope), KD_REG(ropeBackward),
    KD_REG(attention), KD_REG(attentionBackward), KD_REG(crossEntropy), KD_REG(crossEntropyBackward),
    KD_REG(adamw), KD_REG(sumSquares), KD_REG(halfToF32), KD_REG(f32ToHalf), KD_REG(quantMatmul), KD_REG(quantMatmulT),
    KD_REG(minhash), KD_REG(topK), KD_REG(adviseHugePages), KD_REG(alignOffset),
    KD_REG(setThreads), KD_REG(getThreads), KD_REG(isa), KD_REG(setIsa), KD_REG(quantVnni),
    KD_REG(bpeMerge),
  };
  if (napi_define_properties(env, exports, sizeof d / sizeof d[0], d) != napi_ok) return NULL;
  return exports;
}
