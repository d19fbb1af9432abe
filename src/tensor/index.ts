// The tensor layer's public surface: Tensor, Graph (backend + tape + pool), and every differentiable op.
// Not here: implementations (one file per op family) or nn modules (src/nn).

export { Tensor, Graph, type TensorOptions } from "./tensor.js";
export { BufferPool, sizeClass, type PoolStats } from "./pool.js";
export { add, sub, mul, div, neg, exp, log, sqrt, rsqrt, square, recip, tanh, sigmoid, scale, addScalar, powScalar } from "./elementwise.js";
export { sum, mean, max, type ReduceOptions } from "./reduce.js";
export { reshape, detach, permute, transpose, broadcastTo, narrow, split, concat } from "./layout.js";
export { matmul, linear, type MatmulOptions } from "./matmul.js";
export { layerNorm, rmsNorm } from "./norm.js";
export { gelu, silu, swiglu, softmax } from "./activation.js";
export { embedding } from "./embedding.js";
export { rope, type RopeOptions } from "./rope.js";
export { attention, type AttentionOptions } from "./attention.js";
export { crossEntropy, type CrossEntropyOptions } from "./loss.js";
export { numel, shapeStr } from "./shape.js";
export { gradCheck, type GradCheckOptions, type GradCheckResult } from "./gradcheck.js";
export { linearQ, linearAny, quantWeight, isQuantWeight, dequantizeWeight, type QuantWeight } from "./linearQ.js";
