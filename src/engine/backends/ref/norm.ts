// Reference LayerNorm and RMSNorm over the last dim, forward and backward side by side (as llm.c's layernorm).
// Not here: the affine-free variants or group norms (not used by our decoders). Row statistics in double.

import type { LayerNormArgs, LayerNormBackwardArgs, RmsNormArgs, RmsNormBackwardArgs } from "../../ops.js";

/** out = (x − mean) · rstd · weight + bias, rstd = 1/√(var + eps) with the biased (1/C) variance, two-pass. */
export function layerNorm(args: LayerNormArgs): void {
  const { x, weight, bias, n, c, eps, out, mean, rstd } = args;
  for (let i = 0; i < n; i++) {
    const o = i * c;
    // ggml's rounding, step for step (see native/generic/norm.c).
    const f = Math.fround;
    let s = 0;
    for (let j = 0; j < c; j++) s += x[o + j];
    const mu = f(s / c);
    let v = 0;
    for (let j = 0; j < c; j++) v += f(f(x[o + j] - mu) ** 2);
    const r = f(1 / f(Math.sqrt(f(f(v / c) + eps))));
    for (let j = 0; j < c; j++) out[o + j] = f(f(f(x[o + j] - mu) * r) * weight[j]) + (bias === null ? 0 : bias[j]);
    mean[i] = mu;
    rstd[i] = r;
  }
}

/** With x̂ = (x − mean)·rstd and g = dOut ⊙ weight: dx += rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂));
 *  dWeight += Σ_rows dOut ⊙ x̂; dBias += Σ_rows dOut. Uses the saved mean and rstd. */
export function layerNormBackward(args: LayerNormBackwardArgs): void {
  const { dOut, x, weight, mean, rstd, n, c, dx, dWeight, dBias } = args;
  for (let i = 0; i < n; i++) {
    const o = i * c;
    const mu = mean[i];
    const r = rstd[i];
    let gMean = 0;
    let gxMean = 0;
    for (let j = 0; j < c; j++) {
      const g = dOut[o + j] * weight[j];
      gMean += g;
      gxMean += g * (x[o + j] - mu) * r;
    }
    gMean /= c;
    gxMean /= c;
    for (let j = 0; j < c; j++) {
      const xhat = (x[o + j] - mu) * r;
      const g = dOut[o + j] * weight[j];
      dx[o + j] += r * (g - gMean - xhat * gxMean);
      dWeight[j] += dOut[o + j] * xhat;
      if (dBias !== null) dBias[j] += dOut[o + j];
    }
  }
}

/** out = x · rstd · weight, rstd = 1/√(mean(x²) + eps). */
export function rmsNorm(args: RmsNormArgs): void {
  const { x, weight, n, c, eps, out, rstd } = args;
  for (let i = 0; i < n; i++) {
    const o = i * c;
    // ggml's rounding, step for step (see native/generic/norm.c): f32 squares summed in double, the mean and
    // the scale in f32 (sqrt and division of doubles rounded once to f32 equal the f32 operations), (x·r)·w.
    const f = Math.fround;
    let ss = 0;
    for (let j = 0; j < c; j++) ss += f(x[o + j] * x[o + j]);
    const r = f(1 / f(Math.sqrt(f(f(ss / c) + eps))));
    for (let j = 0; j < c; j++) out[o + j] = f(x[o + j] * r) * weight[j];
    rstd[i] = r;
  }
}

/** With x̂ = x·rstd and g = dOut ⊙ weight: dx += rstd · (g − x̂ · mean(g ⊙ x̂)); dWeight += Σ_rows dOut ⊙ x̂. */
export function rmsNormBackward(args: RmsNormBackwardArgs): void {
  const { dOut, x, weight, rstd, n, c, dx, dWeight } = args;
  for (let i = 0; i < n; i++) {
    const o = i * c;
    const r = rstd[i];
    let gxMean = 0;
    for (let j = 0; j < c; j++) gxMean += dOut[o + j] * weight[j] * x[o + j] * r;
    gxMean /= c;
    for (let j = 0; j < c; j++) {
      const xhat = x[o + j] * r;
      dx[o + j] += r * (dOut[o + j] * weight[j] - xhat * gxMean);
      dWeight[j] += dOut[o + j] * xhat;
    }
  }
}
