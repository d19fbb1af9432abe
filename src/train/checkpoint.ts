// Atomic, bit-exact checkpoints: model weights, AdamW moments, and the loop state (step, schedule length, RNG
// state, data position) in one safetensors file written to a temporary name, fsynced and renamed, so a kill at
// any moment leaves either the previous checkpoint or the new one, never a partial one.
// Not here: the loop (loop.ts); the HF-layout model.safetensors of a run (models/io.ts).
import { closeSync, fsyncSync, openSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { readSafetensors, safetensorsBytes, writeSafetensorsFile, type SafetensorsTensorToWrite } from "../formats/index.js";
import type { NamedWeight } from "../models/weights.js";
import type { AdamW } from "../nn/optim/adamw.js";
import { FormatError } from "../util/errors.js";
import type { RngState } from "../util/rng.js";

export const CHECKPOINT_FILE = "checkpoint.safetensors";
const META_KEY = "kotodama.checkpoint";

/** The loop's state besides weights and optimizer moments. */
export interface LoopState {
  /** Optimizer steps completed. */
  readonly step: number;
  /** Schedule length (fixed once, also when fitted to a time budget). */
  readonly maxSteps: number;
  readonly rng: RngState;
  /** Train windows consumed (step · gradAccum · B with the fixed batch order of data.ts). */
  readonly dataPosition: number;
  readonly tokensSeen: number;
  /** Training seconds so far (excluding evaluation and checkpoint writes of earlier sessions is not attempted). */
  readonly elapsedS: number;
}

interface Meta {
  readonly format: "kotodama-checkpoint";
  readonly version: 1;
  /** The run's config.json text: a checkpoint only resumes the run it belongs to. */
  readonly config: string;
  readonly state: LoopState;
}

const f32Bytes = (a: Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Writes bytes produced by write(tmp) to path atomically: temp file, fsync, rename, fsync of the folder. */
export function writeAtomic(path: string, write: (tmp: string) => void): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    write(tmp);
    const fd = openSync(tmp, "r+");
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  try {
    const dfd = openSync(dirname(path), "r");
    fsyncSync(dfd);
    closeSync(dfd);
  } catch {
    // some file systems refuse fsync on folders; the rename is still atomic
  }
}

/** Saves weights (listed in the optimizer's parameter order), optimizer moments and loop state to path, atomically. */
export function saveCheckpoint(path: string, weights: readonly NamedWeight[], opt: AdamW, state: LoopState, configJson: string): void {
  const os = opt.exportState();
  const tensors: SafetensorsTensorToWrite[] = [];
  weights.forEach((w, i) => {
    tensors.push({ name: `model.${w.name}`, dtype: "F32", shape: w.tensor.shape, data: f32Bytes(w.tensor.data) });
    tensors.push({ name: `adamw.m.${w.name}`, dtype: "F32", shape: w.tensor.shape, data: f32Bytes(os.m[i]) });
    tensors.push({ name: `adamw.v.${w.name}`, dtype: "F32", shape: w.tensor.shape, data: f32Bytes(os.v[i]) });
  });
  const meta: Meta = { format: "kotodama-checkpoint", version: 1, config: configJson, state };
  const optMeta = JSON.stringify({ step: os.step });
  writeAtomic(path, (tmp) => writeSafetensorsFile(tmp, tensors, new Map([[META_KEY, JSON.stringify(meta)], ["kotodama.adamw", optMeta]])));
}

/** Restores a checkpoint into weights and optimizer (which must match the run's config); returns the state. */
export function loadCheckpoint(path: string, weights: readonly NamedWeight[], opt: AdamW, configJson: string): LoopState {
  const st = readSafetensors(path);
  const raw = st.metadata.get(META_KEY);
  if (raw === undefined) throw new FormatError(path, "not a kotodama checkpoint (no kotodama.checkpoint metadata)");
  const meta = JSON.parse(raw) as Meta;
  if (meta.format !== "kotodama-checkpoint" || meta.version !== 1) throw new FormatError(path, "unsupported checkpoint format or version");
  if (meta.config !== configJson) throw new FormatError(path, "checkpoint belongs to a run with a different config.json");
  const byName = new Map(st.tensors.map((t) => [t.name, t]));
  const read = (name: string, size: number): Float32Array => {
    const info = byName.get(name);
    if (info === undefined) throw new FormatError(path, `missing tensor '${name}'`);
    const bytes = safetensorsBytes(st, info).slice();
    if (info.dtype !== "F32" || bytes.byteLength !== size * 4) throw new FormatError(path, `tensor '${name}' is not F32 with ${size} elements`);
    return new Float32Array(bytes.buffer, 0, size);
  };
  const m: Float32Array[] = [];
  const v: Float32Array[] = [];
  for (const w of weights) {
    w.tensor.data.set(read(`model.${w.name}`, w.tensor.size));
    m.push(read(`adamw.m.${w.name}`, w.tensor.size));
    v.push(read(`adamw.v.${w.name}`, w.tensor.size));
  }
  const optStep = (JSON.parse(st.metadata.get("kotodama.adamw") ?? "{}") as { step?: number }).step;
  if (typeof optStep !== "number") throw new FormatError(path, "missing optimizer step");
  opt.importState({ step: optStep, m, v });
  return meta.state;
}

/** The loop state stored in a checkpoint (no tensors are read), or null when there is no valid checkpoint. */
export function checkpointState(path: string): LoopState | null {
  try {
    const raw = readSafetensors(path).metadata.get(META_KEY);
    return raw === undefined ? null : (JSON.parse(raw) as Meta).state;
  } catch {
    return null;
  }
}
