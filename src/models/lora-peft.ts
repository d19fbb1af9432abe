// LoRA adapters as a Hugging Face PEFT folder: adapter_config.json and adapter_model.safetensors under PEFT's names
// (base_model.model.<HF module>.lora_A.weight (r, in) / lora_B.weight (out, r)), written and read back.
// Not here: attaching or merging (lora.ts), llama.cpp's GGUF adapters (lora-gguf.ts), the base model's own files.
//
// HF module names come from the family table (models/families/). Two layouts differ between kotodama and HF and are
// undone on the way out (and redone on the way in), as save-family-hf.ts does for the base weights:
//  - q/k rows of `llama` models held in GGUF's adjacent-pair RoPE order are in HF's rotate-half order in HF; a row
//    permutation of W is one of ΔW = B·A too, applied to B's rows (convert_lora_to_gguf.py's LoraTorchTensor
//    permutes lora_B for the same reason, the other way);
//  - GPT-2's Conv1D stores W as (in, out), but PEFT's lora_A/lora_B are nn.Linear weights (r, in) and (out, r) for
//    Conv1D too, with fan_in_fan_out: true in the config (peft/tuners/lora/layer.py), so A and B are written as is.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { permuteQkRows, readSafetensors, safetensorsEntries, tensorF32, writeSafetensorsFile, type SafetensorsTensorToWrite } from "../formats/index.js";
import { FormatError, KotodamaError } from "../util/errors.js";
import { headDim, ropeDims, type ModelConfig } from "./config.js";
import { expandTensors, fusedMatrices, type Family } from "./families/index.js";
import { storedAdapters, splitStoredAdapter } from "./lora-fuse.js";
import { moduleOf, resolveLoraConfig, type LoraConfig, type LoraWeights } from "./lora.js";

export const PEFT_FILES = { config: "adapter_config.json", weights: "adapter_model.safetensors" } as const;

const PREFIX = "base_model.model.";

/** The rows of B (out, r) of a q/k adapter moved between GGUF `llama` order and HF order; other B unchanged. */
export function loraBRows(c: ModelConfig, name: string, b: Float32Array, rank: number, direction: "hf-to-gguf" | "gguf-to-hf"): Float32Array {
  const m = moduleOf(name);
  if (c.pos !== "rope" || (m !== "q_proj" && m !== "k_proj")) return b;
  if (ropeDims(c) !== headDim(c)) throw new KotodamaError(`LoRA ${name}: partial rotary q/k rows cannot be permuted between RoPE orders`);
  return permuteQkRows(b, rank, m === "q_proj" ? c.nHeads : c.nKvHeads, direction);
}

/** kotodama name → HF name of every tensor of the config that has one. */
function hfNames(f: Family, c: ModelConfig): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of expandTensors(f, c)) if (e.hf !== null) out.set(e.name, e.hf);
  return out;
}

const peftStem = (hf: string): string => `${PREFIX}${hf.replace(/\.weight$/, "")}`;

/** adapter_config.json of PEFT's LoraConfig for these adapters (the keys PEFT 0.13 writes that matter to readers).
 *  target_modules are the HF modules files hold (Phi-3's qkv_proj for q/k/v), and a fused module's P stacked
 *  adapters get rank_pattern P·r and alpha_pattern P·α (lora-fuse.ts), which keeps PEFT's scale at α/r. */
export function peftAdapterConfig(f: Family, lc: LoraConfig, baseModel: string, stored: readonly { readonly module: string; readonly stacked: number }[] = []): Record<string, unknown> {
  const fused = stored.filter((s) => s.stacked > 1);
  const targets = stored.length === 0 ? [...lc.targets] : [...new Set(stored.map((s) => s.module))];
  return {
    peft_type: "LORA", task_type: "CAUSAL_LM", base_model_name_or_path: baseModel, r: lc.rank, lora_alpha: lc.alpha,
    lora_dropout: lc.dropout, target_modules: targets, bias: "none", fan_in_fan_out: f.name === "gpt2",
    inference_mode: true, init_lora_weights: lc.init === "gaussian" ? "gaussian" : true, use_rslora: false, use_dora: false,
    modules_to_save: null, layers_to_transform: null,
    rank_pattern: Object.fromEntries(fused.map((s) => [s.module, s.stacked * lc.rank])),
    alpha_pattern: Object.fromEntries(fused.map((s) => [s.module, s.stacked * lc.alpha])),
  };
}

/** Writes lw's adapters as a PEFT folder (created if needed). c: the base model's config (its RoPE row order). */
export function writePeftAdapter(dir: string, f: Family, c: ModelConfig, lw: LoraWeights, baseModel: string): void {
  const names = hfNames(f, c);
  const tensors: SafetensorsTensorToWrite[] = [];
  const bytes = (x: Float32Array): Uint8Array => new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  const stored = storedAdapters(f, c, lw, (name, b, rank) => (c.ropePairing === "adjacent" ? loraBRows(c, name, b, rank, "gguf-to-hf") : b));
  const modules: { module: string; stacked: number }[] = [];
  for (const s of stored) {
    const hf = names.get(s.name);
    if (hf === undefined) throw new KotodamaError(`${f.name}: '${s.name}' has no Hugging Face tensor of its own; PEFT export of this target is not supported`);
    modules.push({ module: moduleOf(hf), stacked: s.stacked });
    tensors.push({ name: `${peftStem(hf)}.lora_A.weight`, dtype: "F32", shape: [s.rank, s.inF], data: bytes(s.a.slice()) });
    tensors.push({ name: `${peftStem(hf)}.lora_B.weight`, dtype: "F32", shape: [s.outF, s.rank], data: bytes(s.b.slice()) });
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, PEFT_FILES.config), `${JSON.stringify(peftAdapterConfig(f, lw.config, baseModel, modules), null, 2)}\n`);
  writeSafetensorsFile(join(dir, PEFT_FILES.weights), tensors, new Map([["format", "pt"]]));
}

export interface PeftAdapter {
  readonly config: LoraConfig;
  readonly baseModel: string;
  /** A (r·in) and B (out·r) by kotodama base-weight name, B rows in c's RoPE order: attachLora's `values`. */
  readonly values: ReadonlyMap<string, { readonly a: Float32Array; readonly b: Float32Array }>;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/** The modules of the parts of the fused HF module `m` (Phi-3 qkv_proj → q_proj, k_proj, v_proj). */
function partModulesOf(f: Family, c: ModelConfig, m: string): string[] {
  for (const [name, parts] of fusedMatrices(c, f)) if (moduleOf(name) === m) return parts.map((p) => moduleOf(p.name));
  return [];
}

/** Reads a PEFT LoRA folder for a base model of family f and config c. Refuses what the decoder cannot apply as
 *  plain LoRA (DoRA, rsLoRA scaling, per-module rank/alpha patterns, trained biases, extra saved modules, a regex
 *  target_modules) with the key named. */
export function readPeftAdapter(dir: string, f: Family, c: ModelConfig): PeftAdapter {
  const cfgPath = join(dir, PEFT_FILES.config);
  if (!existsSync(cfgPath)) throw new FormatError(dir, `no ${PEFT_FILES.config}`);
  let j: unknown;
  try {
    j = JSON.parse(readFileSync(cfgPath, "utf8"));
  } catch (e) {
    throw new FormatError(cfgPath, `not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(j)) throw new FormatError(cfgPath, "expected an object");
  const fail = (m: string): FormatError => new FormatError(cfgPath, m);
  if (j.peft_type !== "LORA") throw fail(`peft_type is ${JSON.stringify(j.peft_type)}, expected "LORA"`);
  if (j.use_dora === true) throw fail("use_dora: DoRA adapters are not supported");
  if (j.use_rslora === true) throw fail("use_rslora: rank-stabilized scaling (α/√r) is not supported");
  if ((j.bias ?? "none") !== "none") throw fail(`bias ${JSON.stringify(j.bias)}: only "none" is supported`);
  // Fused modules (Phi-3's qkv_proj, gate_up_proj) hold P stacked adapters: rank_pattern P·r, alpha_pattern P·α.
  const names = hfNames(f, c);
  const fusedModules = new Map<string, number>();
  for (const [name, parts] of fusedMatrices(c, f)) {
    const hf = names.get(name);
    if (hf !== undefined) fusedModules.set(moduleOf(hf), parts.length);
  }
  const r = j.r, alpha = j.lora_alpha;
  for (const k of ["rank_pattern", "alpha_pattern"]) {
    const pat = j[k];
    if (!isObject(pat)) continue;
    for (const [m, v] of Object.entries(pat)) {
      const P = fusedModules.get(m);
      const want = typeof r === "number" && typeof alpha === "number" && P !== undefined ? P * (k === "rank_pattern" ? r : alpha) : undefined;
      if (v !== want) throw fail(`${k}: per-module ranks/alphas are not supported (only a fused module's stacked adapters: ${m} ${JSON.stringify(v)})`);
    }
  }
  if (Array.isArray(j.modules_to_save) && j.modules_to_save.length > 0) throw fail("modules_to_save: fully trained extra modules are not supported");
  if (!Array.isArray(j.target_modules)) throw fail("target_modules must be a list of module names (a regex string is not supported)");
  const rankOf = (module: string): number => (typeof r === "number" ? r * (fusedModules.get(module) ?? 1) : Number.NaN);
  const byHf = new Map([...names].map(([k, h]) => [h, k]));
  const wPath = join(dir, PEFT_FILES.weights);
  const parts = new Map<string, { a?: Float32Array; b?: Float32Array; rank: number }>();
  for (const t of safetensorsEntries(readSafetensors(wPath))) {
    const m = /^(.*)\.lora_([AB])\.weight$/.exec(t.name);
    const hf = m === null || !m[1]!.startsWith(PREFIX) ? undefined : `${m[1]!.slice(PREFIX.length)}.weight`;
    const name = hf === undefined ? undefined : byHf.get(hf);
    if (m === null || name === undefined) throw new FormatError(wPath, `unexpected tensor '${t.name}' (expected ${PREFIX}<module>.lora_A.weight / lora_B.weight of a ${f.name} model)`);
    const rank = rankOf(moduleOf(hf!));
    const [rows, cols] = t.shape;
    const want = m[2] === "A" ? rows === rank : cols === rank;
    if (t.shape.length !== 2 || !want) throw new FormatError(wPath, `tensor '${t.name}' has shape [${t.shape.join(", ")}], rank ${rank} expected`);
    const p = parts.get(name) ?? { rank };
    if (m[2] === "A") p.a = tensorF32(t);
    else p.b = tensorF32(t);
    parts.set(name, p);
  }
  const values = new Map<string, { a: Float32Array; b: Float32Array }>();
  const modules = new Set<string>();
  for (const [name, p] of parts) {
    if (p.a === undefined || p.b === undefined) throw new FormatError(wPath, `adapter of '${name}' lacks lora_${p.a === undefined ? "A" : "B"}`);
    for (const [part, v] of splitStoredAdapter(f, c, name, p.a, p.b, p.rank, wPath)) {
      // A part with A = B = 0 was not a target (lora-fuse.ts writes every part of a fused matrix).
      if (part !== name && v.a.every((x) => x === 0) && v.b.every((x) => x === 0)) continue;
      const b = c.ropePairing === "adjacent" ? loraBRows(c, part, v.b, j.r as number, "hf-to-gguf") : v.b;
      values.set(part, { a: v.a, b });
      modules.add(moduleOf(part));
    }
  }
  const targets = (j.target_modules as unknown[]).flatMap((m) => (typeof m === "string" && fusedModules.has(m) ? [...modules].filter((x) => partModulesOf(f, c, m).includes(x)) : [m]));
  let config: LoraConfig;
  try {
    config = resolveLoraConfig({ rank: r, alpha, dropout: j.lora_dropout ?? 0, targets, init: j.init_lora_weights === "gaussian" ? "gaussian" : "kaiming-uniform" }, f.name === "gpt2" ? "gpt2" : "llama");
  } catch (e) {
    throw fail((e as Error).message);
  }
  return { config, baseModel: typeof j.base_model_name_or_path === "string" ? j.base_model_name_or_path : "", values };
}
