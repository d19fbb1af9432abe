// Loading the native addon (build/Release/kotodama.node) and giving its functions the op table's types.
// Not here: choosing a backend (../../backend.ts) or argument validation (../../validate.ts; the addon itself
// still checks every length so that bad input throws instead of corrupting memory).

import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../../util/paths.js";
import type { Kernels } from "../../ops.js";

export type NativeIsa = "generic" | "avx2" | "avx512";

/** The loaded addon: its kernels under the op table's types, plus the process-wide controls. */
export interface NativeAddon {
  readonly path: string;
  readonly kernels: Kernels;
  /** Worker threads of the addon's pool (process-wide: every native backend shares the pool). */
  setThreads(n: number): void;
  getThreads(): number;
  /** The instruction-set path the kernels use now. */
  isa(): NativeIsa;
  /** Switches every kernel's instruction-set path (tests, benchmarks); false when the CPU lacks it. */
  setIsa(isa: NativeIsa): boolean;
  /** Whether quantMatmul's q8 activations use AVX512-VNNI on the avx512 path; `on` switches it first (tests,
   *  benchmarks; ignored where the CPU lacks VNNI, which answers false). */
  quantVnni(on?: boolean): boolean;
  /** MinHash signature kernel of the data pipeline (not a tensor op: outside the op table; see
   *  engine/hashing.ts): out[i] = min over shingles s of fmix32(s ^ salts[i]). */
  minhash(shingles: Uint32Array, salts: Uint32Array, out: Uint32Array): void;
  /** The tokenizer's BPE merge over a PairTable's packed table (native/generic/bpe.c): merges sym[0..n) in place
   *  and returns the new length. Null when the addon predates it (a stale build still loads). */
  readonly bpeMerge: ((packed: Int32Array, sym: Int32Array, n: number) => number) | null;
  /** The sampler's top-k selection (native/generic/topk.c): ids[0..k) = the ids of the k largest of x, decreasing,
   *  ties to the lower id; returns k, or −1 when x holds a NaN. Null when the addon predates it. */
  readonly topK: ((x: Float32Array, k: number, ids: Int32Array) => number) | null;
  /** Advises transparent huge pages for the whole 2 MiB pages inside x (native/binding/ops_memory.c), before its
   *  first touch; true when some were advised. A hint: no value changes. Null when the addon predates it. */
  readonly adviseHugePages: ((x: Float32Array) => boolean) | null;
  /** Floats from x's start to its first 64-byte boundary (0 … 15; native/binding/ops_memory.c). Null when the addon
   *  predates it. */
  readonly alignOffset: ((x: Float32Array) => number) | null;
  /** Calls an addon function with an unchecked argument (tests of the addon's own checks). */
  callRaw(name: string, arg: unknown): unknown;
}

export type AddonLoad =
  | { readonly ok: true; readonly addon: NativeAddon }
  | { readonly ok: false; readonly reason: string };

/** Where the addon is: $KOTODAMA_ADDON_PATH when set (tests of the fallback), else the build output. */
export function addonPath(): string {
  const env = process.env.KOTODAMA_ADDON_PATH;
  return env !== undefined && env !== "" ? env : join(packageRoot(), "build", "Release", "kotodama.node");
}

// The only module state: the result of the first load attempt (a process loads a .node file once anyway).
let cached: AddonLoad | undefined;

/** Loads the addon once per process; later calls return the same result. Never throws. */
export function loadAddon(): AddonLoad {
  cached ??= tryLoad(addonPath());
  return cached;
}

function tryLoad(path: string): AddonLoad {
  if (!existsSync(path)) {
    return { ok: false, reason: `${path} does not exist (the build during npm install failed or was skipped; run 'npm run build:native' to see why)` };
  }
  let mod: unknown;
  try {
    mod = createRequire(import.meta.url)(path);
  } catch (e) {
    return { ok: false, reason: `${path} failed to load: ${e instanceof Error ? e.message : String(e)}` };
  }
  try {
    return { ok: true, addon: wrap(path, mod) };
  } catch (e) {
    return { ok: false, reason: `${path}: ${e instanceof Error ? e.message : String(e)}` };
  }
}

type Caller = (arg?: unknown) => unknown;

/** The addon's function `name` as a caller, or an error naming what is missing (a stale build). */
function method(mod: unknown, name: string): Caller {
  const f: unknown = typeof mod === "object" && mod !== null ? Reflect.get(mod, name) : undefined;
  if (typeof f !== "function") throw new Error(`the addon lacks '${name}' (stale build? run 'npm run build:native')`);
  return (arg?: unknown): unknown => Reflect.apply(f, mod, arg === undefined ? [] : [arg]);
}

const ISAS: readonly NativeIsa[] = ["generic", "avx2", "avx512"];

function wrap(path: string, mod: unknown): NativeAddon {
  const m = (name: string): Caller => method(mod, name);
  const [gemm, binary, unary, reduce, broadcast, permute] = ["gemm", "binary", "unary", "reduce", "broadcast", "permute"].map(m);
  const [embedding, embeddingBackward, layerNorm, layerNormBackward, rmsNorm, rmsNormBackward] = [
    "embedding", "embeddingBackward", "layerNorm", "layerNormBackward", "rmsNorm", "rmsNormBackward",
  ].map(m);
  const [softmax, softmaxBackward, activation, activationBackward, swiglu, swigluBackward, rope, ropeBackward] = [
    "softmax", "softmaxBackward", "activation", "activationBackward", "swiglu", "swigluBackward", "rope", "ropeBackward",
  ].map(m);
  const [attention, attentionBackward, crossEntropy, crossEntropyBackward] = [
    "attention", "attentionBackward", "crossEntropy", "crossEntropyBackward",
  ].map(m);
  const [adamw, sumSquares, halfToF32, f32ToHalf, quantMatmul, quantMatmulT] = [
    "adamw", "sumSquares", "halfToF32", "f32ToHalf", "quantMatmul", "quantMatmulT",
  ].map(m);
  const [setThreads, getThreads, isa, setIsa, quantVnni] = ["setThreads", "getThreads", "isa", "setIsa", "quantVnni"].map(m);
  const minhash = m("minhash");

  const kernels: Kernels = {
    gemm: (a) => void gemm(a),
    binary: (a) => void binary(a),
    unary: (a) => void unary(a),
    reduce: (a) => void reduce(a),
    broadcast: (a) => void broadcast(a),
    permute: (a) => void permute(a),
    embedding: (a) => void embedding(a),
    embeddingBackward: (a) => void embeddingBackward(a),
    layerNorm: (a) => void layerNorm(a),
    layerNormBackward: (a) => void layerNormBackward(a),
    rmsNorm: (a) => void rmsNorm(a),
    rmsNormBackward: (a) => void rmsNormBackward(a),
    softmax: (a) => void softmax(a),
    softmaxBackward: (a) => void softmaxBackward(a),
    activation: (a) => void activation(a),
    activationBackward: (a) => void activationBackward(a),
    swiglu: (a) => void swiglu(a),
    swigluBackward: (a) => void swigluBackward(a),
    rope: (a) => void rope(a),
    ropeBackward: (a) => void ropeBackward(a),
    attention: (a) => void attention(a),
    attentionBackward: (a) => void attentionBackward(a),
    crossEntropy: (a) => void crossEntropy(a),
    crossEntropyBackward: (a) => void crossEntropyBackward(a),
    adamw: (a) => void adamw(a),
    sumSquares: (a) => {
      const r = sumSquares(a);
      if (typeof r !== "number") throw new Error("kotodama native sumSquares: the addon returned a non-number");
      return r;
    },
    halfToF32: (a) => void halfToF32(a),
    f32ToHalf: (a) => void f32ToHalf(a),
    quantMatmul: (a) => void quantMatmul(a),
    quantMatmulT: (a) => void quantMatmulT(a),
  };

  const currentIsa = (): NativeIsa => {
    const r = isa();
    const found = ISAS.find((x) => x === r);
    if (found === undefined) throw new Error(`kotodama native isa: unexpected answer ${String(r)}`);
    return found;
  };
  currentIsa(); // fails the load early if the addon answers nonsense
  const bpe: unknown = typeof mod === "object" && mod !== null ? Reflect.get(mod, "bpeMerge") : undefined;
  const bpeFn = typeof bpe === "function" ? bpe : null;
  const bpeMerge = bpeFn === null ? null : (packed: Int32Array, sym: Int32Array, n: number): number => {
    const r: unknown = bpeFn.call(mod, packed, sym, n);
    if (typeof r !== "number") throw new Error("kotodama native bpeMerge: the addon returned a non-number");
    return r;
  };
  const topKRaw: unknown = typeof mod === "object" && mod !== null ? Reflect.get(mod, "topK") : undefined;
  const topKFn = typeof topKRaw === "function" ? topKRaw : null;
  const topK = topKFn === null ? null : (x: Float32Array, k: number, ids: Int32Array): number => {
    const r: unknown = topKFn.call(mod, { x, k, ids });
    if (typeof r !== "number") throw new Error("kotodama native topK: the addon returned a non-number");
    return r;
  };
  const adviseRaw: unknown = typeof mod === "object" && mod !== null ? Reflect.get(mod, "adviseHugePages") : undefined;
  const adviseFn = typeof adviseRaw === "function" ? adviseRaw : null;
  const adviseHugePages = adviseFn === null ? null : (x: Float32Array): boolean => adviseFn.call(mod, { x }) === true;
  const alignRaw: unknown = typeof mod === "object" && mod !== null ? Reflect.get(mod, "alignOffset") : undefined;
  const alignFn = typeof alignRaw === "function" ? alignRaw : null;
  const alignOffset = alignFn === null ? null : (x: Float32Array): number => {
    const r: unknown = alignFn.call(mod, { x });
    if (typeof r !== "number") throw new Error("kotodama native alignOffset: the addon returned a non-number");
    return r;
  };
  return {
    path,
    kernels,
    topK,
    adviseHugePages,
    alignOffset,
    setThreads: (n) => void setThreads(n),
    getThreads: () => {
      const r = getThreads();
      if (typeof r !== "number") throw new Error("kotodama native getThreads: the addon returned a non-number");
      return r;
    },
    isa: currentIsa,
    setIsa: (x) => setIsa(x) === true,
    quantVnni: (on) => (on === undefined ? quantVnni() : quantVnni(on)) === true,
    minhash: (shingles, salts, out) => void minhash({ shingles, salts, out }),
    bpeMerge,
    callRaw: (name, arg) => method(mod, name)(arg),
  };
}
