// Choosing a backend: native when the addon loads, else the plain-TypeScript ref backend (said once, with the
// reason), always wrapped in argument validation. Not here: kernels or the addon loading itself.
//
// Environment: KOTODAMA_BACKEND = auto | native | ref (when options.kind is not given); KOTODAMA_THREADS = the
// thread count (when options.threads is not given; default os.availableParallelism()).

import { availableParallelism } from "node:os";
import { KotodamaError } from "../util/errors.js";
import { createNativeBackend, loadAddon, MAX_THREADS } from "./backends/native/index.js";
import { createRefBackend } from "./backends/ref/index.js";
import type { Backend, Kernels, QuantActivations } from "./ops.js";
import { withValidation } from "./validate.js";

export type BackendKind = "auto" | "native" | "ref";
const KINDS: readonly BackendKind[] = ["auto", "native", "ref"];

export interface LoadBackendOptions {
  /** "auto" (default): native if the addon loads, else ref with a one-time notice on stderr. */
  readonly kind?: BackendKind;
  /** Worker threads for native kernels (process-wide pool). */
  readonly threads?: number;
}

export interface NativeStatus {
  readonly available: boolean;
  /** Why the addon is unavailable. */
  readonly reason?: string;
  /** The instruction-set path its kernels use ("avx512", "avx2", "generic"). */
  readonly isa?: string;
}

// Module state: only whether the fallback notice was printed (the addon cache lives in addon.ts).
let warnedFallback = false;

/** Whether the native addon loads here, and if not, why. */
export function nativeStatus(): NativeStatus {
  const r = loadAddon();
  return r.ok ? { available: true, isa: r.addon.isa() } : { available: false, reason: r.reason };
}

/** The native addon's BPE merge (see NativeAddon.bpeMerge), or null where the addon is unavailable or
 *  predates it, or KOTODAMA_BACKEND=ref asks for no native code. The tokenizer's TypeScript merge is the
 *  specification; this is its fast path. */
export function nativeBpeMerge(): ((packed: Int32Array, sym: Int32Array, n: number) => number) | null {
  if (process.env.KOTODAMA_BACKEND === "ref") return null;
  const r = loadAddon();
  return r.ok ? r.addon.bpeMerge : null;
}

/** The native addon's top-k selection (see NativeAddon.topK), or null where the addon is unavailable or predates
 *  it, or KOTODAMA_BACKEND=ref asks for no native code. The sampler's TypeScript topIds is the specification;
 *  this is its fast path (one call per row, ~1 µs at V = 4096 instead of ~20). */
export function nativeTopK(): ((x: Float32Array, k: number, ids: Int32Array) => number) | null {
  if (process.env.KOTODAMA_BACKEND === "ref") return null;
  const r = loadAddon();
  return r.ok ? r.addon.topK : null;
}

/** The native addon's huge-page advice for a large, not yet touched buffer (see NativeAddon.adviseHugePages), or null
 *  where the addon is unavailable or predates it, or KOTODAMA_BACKEND=ref asks for no native code. A hint: no
 *  value changes (the KV cache pool: its first touch faults 2 MiB pages instead of 4 KiB ones). */
export function nativeAdviseHugePages(): ((x: Float32Array) => boolean) | null {
  if (process.env.KOTODAMA_BACKEND === "ref") return null;
  const r = loadAddon();
  return r.ok ? r.addon.adviseHugePages : null;
}

/** A zeroed Float32Array of n floats starting on a 64-byte boundary where the native addon can say where memory
 *  sits (a view into a slightly longer buffer), else a plain one: scratch that the native skinny GEMM reads as its
 *  activation rows without an aligned copy per call. Values and length are those of new Float32Array(n). */
export function alignedF32(n: number): Float32Array {
  const r = process.env.KOTODAMA_BACKEND === "ref" ? null : loadAddon();
  const offsetOf = r !== null && r.ok ? r.addon.alignOffset : null;
  if (offsetOf === null || n === 0) return new Float32Array(n);
  const raw = new Float32Array(n + 16);
  const o = offsetOf(raw);
  return raw.subarray(o, o + n);
}

/** A validated backend of the requested kind with its thread count set. Throws KotodamaError for bad options,
 *  for a bad KOTODAMA_BACKEND / KOTODAMA_THREADS, and for kind "native" when the addon is unavailable. */
export function loadBackend(options: LoadBackendOptions = {}): Backend {
  for (const key of Object.keys(options)) {
    if (key !== "kind" && key !== "threads") throw new KotodamaError(`loadBackend: unknown option '${key}'; expected kind, threads`);
  }
  const kind = options.kind ?? kindFromEnv();
  if (!KINDS.includes(kind)) throw new KotodamaError(`loadBackend: kind must be one of ${KINDS.join(", ")}, got '${String(kind)}'`);
  const threads = options.threads ?? threadsFromEnv() ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new KotodamaError(`loadBackend: threads must be an integer in [1, ${MAX_THREADS}], got ${threads}`);
  }
  let raw: Backend;
  if (kind === "ref") {
    raw = createRefBackend();
  } else {
    const r = loadAddon();
    if (r.ok) {
      raw = createNativeBackend(r.addon);
    } else if (kind === "native") {
      throw new KotodamaError(`loadBackend: the native backend was requested but the addon is unavailable: ${r.reason}`);
    } else {
      if (!warnedFallback) {
        warnedFallback = true;
        process.stderr.write(`kotodama: native addon unavailable, using the slower ref backend: ${r.reason}\n`);
      }
      raw = createRefBackend();
    }
  }
  raw.setThreads(threads);
  return withValidation(raw);
}

function kindFromEnv(): BackendKind {
  const v = process.env.KOTODAMA_BACKEND;
  if (v === undefined || v === "") return "auto";
  const found = KINDS.find((k) => k === v);
  if (found === undefined) throw new KotodamaError(`KOTODAMA_BACKEND must be one of ${KINDS.join(", ")}, got '${v}'`);
  return found;
}

function threadsFromEnv(): number | undefined {
  const v = process.env.KOTODAMA_THREADS;
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new KotodamaError(`KOTODAMA_THREADS must be an integer in [1, ${MAX_THREADS}], got '${v}'`);
  }
  return n;
}

/** The kernels of `backend` without the JS validation layer, for a hot loop that builds its arguments once and
 *  calls kernels per token (infer's forward): for the native backend, the addon's own entry points, which still
 *  check every length in C (memory-safe) but skip the per-call allocation of JS validation; any other backend is
 *  returned as it is (the ref backend keeps its validation). The one sanctioned way past validation, so that no
 *  layer above the engine imports engine/backends/. */
export function unvalidated(backend: Backend): Kernels {
  const forced = FORCED_ACTIVATIONS.get(backend);
  if (forced !== undefined) return forceActivations(unvalidated(forced.inner), forced.mode);
  if (backend.name !== "native") return backend;
  const r = loadAddon();
  return r.ok ? createNativeBackend(r.addon) : backend;
}

/** Backends made by withQuantActivations, so that unvalidated() keeps their mode on its fast path. */
const FORCED_ACTIVATIONS = new WeakMap<Backend, { readonly inner: Backend; readonly mode: QuantActivations }>();

function forceActivations<T extends Kernels>(k: T, mode: QuantActivations): T {
  return { ...k, quantMatmul: (a) => k.quantMatmul({ ...a, activations: mode }) };
}

/** The backend with every quantMatmul call in activation mode `mode` whatever the caller asks: e.g. "f32" to run
 *  a quantized model with f32 activations (what a float64 reference computes) instead of llama.cpp's q8 default.
 *  unvalidated() of the result keeps the mode. */
export function withQuantActivations(backend: Backend, mode: QuantActivations): Backend {
  const b: Backend = forceActivations(backend, mode);
  FORCED_ACTIVATIONS.set(b, { inner: backend, mode });
  return b;
}
