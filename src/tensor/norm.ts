// Normalization over the last dim with gradient rules: LayerNorm (Ba, Kiros & Hinton 2016; GPT-2 uses eps 1e-5)
// and RMSNorm (Zhang & Sennrich 2019; Llama uses eps 1e-5 or 1e-6). Not here: the nn modules holding weights.
//
// The forward saves mean/rstd (N) for the backward kernels, which accumulate into dx, dWeight, dBias.

import { ShapeError } from "../util/errors.js";
import type { Tensor } from "./tensor.js";
import { gradSlots, graphOf } from "./kit.js";
import { shapeStr } from "./shape.js";

function checkNorm(op: string, x: Tensor, weight: Tensor, bias: Tensor | null): { n: number; c: number } {
  const c = x.ndim > 0 ? x.shape[x.ndim - 1] : 0;
  if (x.ndim < 1 || c === 0) throw new ShapeError(`${op}: x ${shapeStr(x.shape)} needs a non-empty last dim`);
  if (weight.ndim !== 1 || weight.shape[0] !== c) throw new ShapeError(`${op}: weight ${shapeStr(weight.shape)} must be (${c}) for x ${shapeStr(x.shape)}`);
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== c)) throw new ShapeError(`${op}: bias ${shapeStr(bias.shape)} must be (${c}) for x ${shapeStr(x.shape)}`);
  return { n: x.size / c, c };
}


/** (x − mean) / √(var + eps) · weight + bias over the last dim. x (..., C), weight and bias (C). */
export function layerNorm(x: Tensor, weight: Tensor, bias: Tensor | null, eps = 1e-5): Tensor {
  const g = graphOf("layerNorm", x, weight, bias);
  const { n, c } = checkNorm("layerNorm", x, weight, bias);
  const rec = g.needsGrad(x, weight, bias);
  const mean = rec ? g.saved(n) : g.tmp(n);
  const rstd = rec ? g.saved(n) : g.tmp(n);
  const out = g.empty(x.shape);
  g.backend.layerNorm({ x: x.data, weight: weight.data, bias: bias === null ? null : bias.data, n, c, eps, out: out.data, mean, rstd });
  if (!rec) {
    g.free(mean);
    g.free(rstd);
    return out;
  }
  g.record(out, (dOut) => {
    const { bufs, finish } = gradSlots(g, bias === null ? [x, weight] : [x, weight, bias]);
    const [dx, dWeight, dBias] = bufs;
    g.backend.layerNormBackward({ dOut, x: x.data, weight: weight.data, mean, rstd, n, c, dx, dWeight, dBias: dBias ?? null });
    finish();
  });
  return out;
}

/** x / √(mean(x²) + eps) · weight over the last dim. x (..., C), weight (C). */
export function rmsNorm(x: Tensor, weight: Tensor, eps = 1e-5): Tensor {
  const g = graphOf("rmsNorm", x, weight);
  const { n, c } = checkNorm("rmsNorm", x, weight, null);
  const rec = g.needsGrad(x, weight);
  const rstd = rec ? g.saved(n) : g.tmp(n);
  const out = g.empty(x.shape);
  g.backend.rmsNorm({ x: x.data, weight: weight.data, n, c, eps, out: out.data, rstd });
  if (!rec) {
    g.free(rstd);
    return out;
  }
  g.record(out, (dOut) => {
    const { bufs, finish } = gradSlots(g, [x, weight]);
    g.backend.rmsNormBackward({ dOut, x: x.data, weight: weight.data, rstd, n, c, dx: bufs[0], dWeight: bufs[1] });
    finish();
  });
  return out;
}
