// Writing any family's model as a Hugging Face folder from its table (models/families/): config.json with
// transformers' keys for the family's class, and every tensor under its HF name, undoing what the loader does
// (Gemma's norms back to w from 1 + w, GPT-2's Conv1D transposed, Llama's q/k rows back to rotate-half order).
// Not here: tokenizer files (the caller writes tokenizer.json), GGUF (save-family.ts), reading.
import { permuteQkRows, writeHfFolder, type SafetensorsTensorToWrite } from "../formats/index.js";
import { KotodamaError } from "../util/errors.js";
import { attnScaleOf, headDim, ropeDims, type ModelConfig } from "./config.js";
import { expandTensors, type Family } from "./families/index.js";

/** config.json for a config of family f (transformers' key names for its class). `extra` is merged last (e.g.
 *  the rope_scaling a Llama 3.1 model was made with, which its per-pair factors alone do not determine). */
export function familyHfConfig(f: Family, c: ModelConfig, extra: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  if (f.name === "gpt2") {
    return {
      architectures: ["GPT2LMHeadModel"], model_type: "gpt2", vocab_size: c.vocabSize, n_embd: c.dim, n_layer: c.nLayers,
      n_head: c.nHeads, n_inner: c.hiddenDim, n_positions: c.context, layer_norm_epsilon: c.normEps,
      tie_word_embeddings: c.tieEmbeddings, activation_function: "gelu_new", ...extra,
    };
  }
  const cfg: Record<string, unknown> = {
    architectures: [f.hf[0]], model_type: f.hf[1], vocab_size: c.vocabSize, hidden_size: c.dim, num_hidden_layers: c.nLayers,
    num_attention_heads: c.nHeads, num_key_value_heads: c.nKvHeads, intermediate_size: c.hiddenDim,
    max_position_embeddings: c.context, rms_norm_eps: c.normEps, rope_theta: c.ropeTheta, head_dim: headDim(c),
    tie_word_embeddings: c.tieEmbeddings, hidden_act: c.mlp === "geglu" ? "gelu_pytorch_tanh" : "silu",
  };
  if (c.rotaryDim > 0) cfg.partial_rotary_factor = ropeDims(c) / headDim(c);
  if (c.slidingWindow > 0) cfg.sliding_window = c.slidingWindow;
  if (c.attnSoftcap > 0) cfg.attn_logit_softcapping = c.attnSoftcap;
  if (c.finalSoftcap > 0) cfg.final_logit_softcapping = c.finalSoftcap;
  if (f.name === "gemma2" || f.name === "gemma3") cfg.query_pre_attn_scalar = 1 / attnScaleOf(c) ** 2;
  if (f.name === "gemma3") Object.assign(cfg, { rope_local_base_freq: c.ropeThetaLocal || c.ropeTheta, sliding_window_pattern: c.swaPeriod });
  if (c.ropeScale !== 1) cfg.rope_scaling = { rope_type: "linear", factor: c.ropeScale };
  if (f.name === "qwen2") cfg.use_sliding_window = false;
  return { ...cfg, ...extra };
}

/** x (rows, cols) → (cols, rows). */
function transpose(x: Float32Array, rows: number, cols: number): Float32Array {
  const y = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) for (let q = 0; q < cols; q++) y[q * rows + r] = x[r * cols + q]!;
  return y;
}

/** Every tensor with an HF name, as F32 under that name. `tensors` holds kotodama names (f32, (out, in)). */
export function familyHfTensors(f: Family, c: ModelConfig, tensors: ReadonlyMap<string, Float32Array>): SafetensorsTensorToWrite[] {
  const out: SafetensorsTensorToWrite[] = [];
  const D = headDim(c);
  for (const e of expandTensors(f, c)) {
    const x0 = tensors.get(e.name);
    if (e.hf === null) continue; // computed from config.json (rope_freqs)
    if (x0 === undefined) throw new KotodamaError(`${f.name}: missing tensor '${e.name}'`);
    const shape = e.t.shape(c);
    let x = x0;
    if (e.t.hfPlusOne === true) x = x.map((v) => v - 1);
    if (e.t.hfTransposed === true) x = transpose(x, shape[0]!, shape[1]!);
    // GGUF `llama` (adjacent pairs) → HF rotate-half: permute each head's q/k rows back.
    if (c.pos === "rope" && c.ropePairing === "adjacent" && /self_attn\.[qk]_proj\.weight$/.test(e.name)) {
      if (ropeDims(c) !== D) throw new KotodamaError(`${f.name}: partial rotary q/k rows cannot be permuted to HF order`);
      x = permuteQkRows(x, c.dim, e.name.includes(".q_proj.") ? c.nHeads : c.nKvHeads, "gguf-to-hf");
    }
    const data = x;
    out.push({ name: e.hf, dtype: "F32", shape: e.t.hfTransposed === true ? [...shape].reverse() : shape, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
  }
  return out;
}

/** Writes a family model as an HF folder (config.json + model.safetensors). */
export function writeFamilyHf(dir: string, f: Family, c: ModelConfig, tensors: ReadonlyMap<string, Float32Array>, extraConfig: Readonly<Record<string, unknown>> = {}): void {
  writeHfFolder(dir, { config: familyHfConfig(f, c, extraConfig), tensors: familyHfTensors(f, c, tensors) });
}
