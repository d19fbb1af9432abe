// Native hashing kernels for the layers above that are not tensor ops (so not in the op table): today the
// MinHash signature of data/minhash.ts. Not here: shingling or LSH (data/), or loading the addon (backends/native).
//
// Layers above the engine never open backends/** themselves; this is their door to these kernels.
import { loadAddon } from "./backends/native/index.js";

/** out[i] = min over shingles s of fmix32(s ^ salts[i]) for i < salts.length; out.length >= salts.length. */
export type MinHashKernel = (shingles: Uint32Array, salts: Uint32Array, out: Uint32Array) => void;

/** The native MinHash kernel, or null when the addon is not built (callers then use their TypeScript loop). */
export function nativeMinHashKernel(): MinHashKernel | null {
  const r = loadAddon();
  return r.ok ? r.addon.minhash : null;
}
