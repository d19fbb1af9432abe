// A timing wrapper around a backend for the benchmarks' --profile: wall time and calls per kernel, with gemm split
// by shape (M×N×K and transposes) and elementwise ops by kind, so that a step's time can be read per op; the rest
// of a step (the JS tape, allocation, N-API) is what the kernels do not account for. Not here: what is profiled.
import type { Backend, Kernel, Kernels, OpArgs, OpName } from "../src/engine/ops.js";

export interface OpTime {
  readonly key: string;
  calls: number;
  ms: number;
  /** Floating-point operations (gemm only), for GFLOP/s. */
  flops: number;
}

function keyOf<K extends OpName>(name: K, args: OpArgs[K]): { key: string; flops: number } {
  if (name === "gemm") {
    const a = args as OpArgs["gemm"];
    return { key: `gemm ${a.transA ? "T" : "N"}${a.transB ? "T" : "N"} ${a.m}×${a.n}×${a.k}${a.batch > 1 ? ` ×${a.batch}` : ""}`, flops: 2 * a.m * a.n * a.k * a.batch };
  }
  if (name === "unary" || name === "binary" || name === "reduce") return { key: `${name} ${(args as { op: string }).op}`, flops: 0 };
  if (name === "quantMatmul") { const q = args as OpArgs["quantMatmul"]; return { key: `quantMatmul ${q.n}×${q.nOut}×${q.k}`, flops: 2 * q.n * q.nOut * q.k }; }
  return { key: name, flops: 0 };
}

/** `backend` with every kernel timed into `times` (by key). */
export function profiledBackend(backend: Backend): { backend: Backend; times: Map<string, OpTime> } {
  const times = new Map<string, OpTime>();
  const table: Kernels = backend;
  const wrap = <K extends OpName>(name: K): Kernel<K> => {
    const kernel: Kernel<K> = table[name];
    return (args: OpArgs[K]) => {
      const t0 = performance.now();
      const r = kernel(args);
      const dt = performance.now() - t0;
      const { key, flops } = keyOf(name, args);
      const e = times.get(key) ?? { key, calls: 0, ms: 0, flops: 0 };
      e.calls++;
      e.ms += dt;
      e.flops += flops;
      times.set(key, e);
      return r;
    };
  };
  // Every op listed (as engine/validate.ts lists them), so that a new op is a compile error here.
  const wrapped: Backend = {
    name: backend.name, threads: () => backend.threads(), setThreads: (n: number) => backend.setThreads(n),
    gemm: wrap("gemm"), binary: wrap("binary"), unary: wrap("unary"), reduce: wrap("reduce"),
    broadcast: wrap("broadcast"), permute: wrap("permute"), embedding: wrap("embedding"),
    embeddingBackward: wrap("embeddingBackward"), layerNorm: wrap("layerNorm"),
    layerNormBackward: wrap("layerNormBackward"), rmsNorm: wrap("rmsNorm"), rmsNormBackward: wrap("rmsNormBackward"),
    softmax: wrap("softmax"), softmaxBackward: wrap("softmaxBackward"), activation: wrap("activation"),
    activationBackward: wrap("activationBackward"), swiglu: wrap("swiglu"), swigluBackward: wrap("swigluBackward"),
    rope: wrap("rope"), ropeBackward: wrap("ropeBackward"), attention: wrap("attention"),
    attentionBackward: wrap("attentionBackward"), crossEntropy: wrap("crossEntropy"),
    crossEntropyBackward: wrap("crossEntropyBackward"), adamw: wrap("adamw"), sumSquares: wrap("sumSquares"),
    halfToF32: wrap("halfToF32"), f32ToHalf: wrap("f32ToHalf"), quantMatmul: wrap("quantMatmul"), quantMatmulT: wrap("quantMatmulT"),
  };
  return { backend: wrapped, times };
}

/** The largest entries as text lines: share of `totalMs`, ms per step, calls per step, GFLOP/s for gemms. */
export function profileTable(times: ReadonlyMap<string, OpTime>, steps: number, totalMs: number, top = 25): string[] {
  const rows = [...times.values()].sort((a, b) => b.ms - a.ms);
  const kernelMs = rows.reduce((s, r) => s + r.ms, 0);
  const out = [`kernels ${(kernelMs / steps).toFixed(1)} ms/step of ${(totalMs / steps).toFixed(1)} (${((100 * kernelMs) / totalMs).toFixed(0)} %); outside the kernels ${((totalMs - kernelMs) / steps).toFixed(1)} ms/step`];
  for (const r of rows.slice(0, top)) {
    const gf = r.flops > 0 ? `  ${(r.flops / (r.ms * 1e6)).toFixed(1)} GFLOP/s` : "";
    out.push(`  ${((100 * r.ms) / totalMs).toFixed(1).padStart(5)} %  ${(r.ms / steps).toFixed(2).padStart(8)} ms/step  ${String(r.calls / steps).padStart(5)} calls/step  ${r.key}${gf}`);
  }
  return out;
}
