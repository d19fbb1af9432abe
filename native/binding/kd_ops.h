/* The Node-API functions of every op of src/engine/ops.ts (one argument: the op's args object) plus the
 * thread and ISA controls. Not here: registration (addon.c) or argument helpers (kd_napi.h). */
#ifndef KD_OPS_H
#define KD_OPS_H
#include <node_api.h>

#define KD_OP(name) napi_value kd_op_##name(napi_env env, napi_callback_info info)
/* ops_tensor.c */
KD_OP(binary); KD_OP(unary); KD_OP(reduce); KD_OP(broadcast); KD_OP(permute);
/* ops_nn.c */
KD_OP(embedding); KD_OP(embeddingBackward); KD_OP(layerNorm); KD_OP(layerNormBackward); KD_OP(rmsNorm);
KD_OP(rmsNormBackward); KD_OP(softmax); KD_OP(softmaxBackward); KD_OP(activation); KD_OP(activationBackward);
KD_OP(swiglu); KD_OP(swigluBackward); KD_OP(rope); KD_OP(ropeBackward);
/* ops_fused.c */
KD_OP(gemm); KD_OP(attention); KD_OP(attentionBackward); KD_OP(crossEntropy); KD_OP(crossEntropyBackward);
/* ops_misc.c */
KD_OP(adamw); KD_OP(sumSquares); KD_OP(halfToF32); KD_OP(f32ToHalf);
KD_OP(setThreads); KD_OP(getThreads); KD_OP(isa); KD_OP(setIsa); KD_OP(quantVnni);
/* ops_data.c */
KD_OP(minhash); KD_OP(topK); KD_OP(adviseHugePages); KD_OP(alignOffset);
/* ops_quant.c */
KD_OP(quantMatmul); KD_OP(quantMatmulT);
/* ops_tokenizer.c */
KD_OP(bpeMerge);

#endif
