// Model weights as files: save and load a decoder's weights as safetensors with the Hugging Face names
// (weights.ts), f32, GPT-2 Conv1D weights transposed to HF's (in, out). Not here: optimizer state and
// checkpoints (train/checkpoint.ts), HF folders and GGUF (formats/).
import { readSafetensors, safetensorsBytes, writeSafetensorsFile, type SafetensorsTensorToWrite } from "../formats/index.js";
import type { Graph } from "../tensor/index.js";
import { FormatError } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import type { ModelConfig } from "./config.js";
import { initDecoderWeights, namedWeights, type DecoderWeights, type NamedWeight } from "./weights.js";

/** (rows, cols) → (cols, rows) copy. */
function transpose2d(src: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) out[k * rows + r] = src[r * cols + k];
  return out;
}

const f32Bytes = (a: Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** The tensors to write: HF names, HF shapes and layout. */
export function hfTensors(w: DecoderWeights): SafetensorsTensorToWrite[] {
  return namedWeights(w).map((n: NamedWeight) => {
    const [r, c] = n.tensor.shape;
    if (n.hfTransposed) return { name: n.name, dtype: "F32", shape: [c, r], data: () => f32Bytes(transpose2d(n.tensor.data, r, c)) };
    return { name: n.name, dtype: "F32", shape: n.tensor.shape, data: () => f32Bytes(n.tensor.data) };
  });
}

/** Writes the weights to path (not atomically: callers that need atomicity write a temp file and rename). */
export function saveWeights(path: string, w: DecoderWeights, metadata: ReadonlyMap<string, string> = new Map()): void {
  writeSafetensorsFile(path, hfTensors(w), metadata);
}

/** Copies the tensors of a safetensors file (path or bytes) into weights built for config c. Every weight the
 *  config needs must be present with its shape, as F32; extra tensors are errors. */
export function loadWeightsInto(w: DecoderWeights, input: string | Uint8Array, name = typeof input === "string" ? input : "weights"): void {
  const st = readSafetensors(input, { name });
  const byName = new Map(st.tensors.map((t) => [t.name, t]));
  const want = namedWeights(w);
  const wanted = new Set(want.map((n) => n.name));
  for (const t of st.tensors) if (!wanted.has(t.name)) throw new FormatError(name, `unexpected tensor '${t.name}' for this model config`);
  for (const n of want) {
    const info = byName.get(n.name);
    if (info === undefined) throw new FormatError(name, `missing tensor '${n.name}'`);
    const shape = n.hfTransposed ? [...n.tensor.shape].reverse() : n.tensor.shape;
    if (info.dtype !== "F32") throw new FormatError(name, `tensor '${n.name}' is ${info.dtype}, expected F32`);
    if (info.shape.length !== shape.length || info.shape.some((d, i) => d !== shape[i])) {
      throw new FormatError(name, `tensor '${n.name}' has shape [${info.shape.join(", ")}], expected [${shape.join(", ")}]`);
    }
    const bytes = safetensorsBytes(st, info);
    const src = new Float32Array(bytes.slice().buffer);
    n.tensor.data.set(n.hfTransposed ? transpose2d(src, shape[0], shape[1]) : src);
  }
}

/** New weights for config c in graph g, filled from a safetensors file. */
export function loadWeights(g: Graph, c: ModelConfig, input: string | Uint8Array): DecoderWeights {
  const w = initDecoderWeights(g, c, new Rng(0)); // shapes only: every value is overwritten
  loadWeightsInto(w, input);
  return w;
}
