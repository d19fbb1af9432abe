// The memorization probe of a model under training: each canary's exposure (exposure.ts) against secrets drawn
// uniformly from its randomness space, scored by the model as the sentence that follows a separator token, the
// context the canary had in training (data/canaries.ts). Not here: inserting canaries, the loop (train/), plots.
//
// Scoring: the sentence `prefix + secret + "."` is encoded whole (a BPE may merge the prefix's last space into the
// secret's first token, so the prefix is not encoded apart); the tokens from the first one that differs from the
// prefix's own encoding onwards are scored, −log₂ p summed — the secret and the full stop, the same span for every
// candidate. One batched forward per chunk of candidates, right-padded (causal attention: padding is never read).
import { groupDigits, randomSecret, type Canary } from "../data/canaries.js";
import type { DecoderWeights, ModelConfig } from "../models/index.js";
import { decoderLogits } from "../models/decoder.js";
import type { Graph } from "../tensor/index.js";
import type { Tokenizer } from "../tokenizer/index.js";
import { Rng } from "../util/rng.js";
import { exposure, type Exposure } from "./exposure.js";

export interface ProbeModel {
  readonly config: ModelConfig;
  readonly weights: DecoderWeights;
  readonly graph: Graph;
  readonly tokenizer: Tokenizer;
  /** The separator the canaries follow in training (the end-of-text id). */
  readonly sep: number;
}

export interface ProbeOptions {
  /** Random secrets per canary (default 256). */
  readonly samples?: number;
  readonly seed?: number;
  /** Candidates per forward (default 64). */
  readonly batch?: number;
}

export interface CanaryExposure extends Exposure {
  readonly id: string;
  readonly repeats: number;
  readonly control: boolean;
}

/** −log₂ P(sentence tail | sep + prefix) of `prefix + s + "."` for each secret s. */
export function secretBits(m: ProbeModel, prefix: string, secrets: readonly string[], batch = 64): Float64Array {
  const { config: c, tokenizer: tok } = m;
  const pre = tok.encode(prefix, { addBos: false });
  const seqs = secrets.map((s) => {
    const ids = [m.sep, ...tok.encode(`${prefix}${s}.`, { addBos: false })];
    let k = 0;
    while (k < pre.length && ids[k + 1] === pre[k]) k++;
    return { ids: ids.slice(0, c.context), from: Math.max(1, k + 1) }; // score tokens [from, len)
  });
  const out = new Float64Array(secrets.length);
  for (let s0 = 0; s0 < seqs.length; s0 += batch) {
    const chunk = seqs.slice(s0, s0 + batch);
    const B = chunk.length, T = Math.max(...chunk.map((q) => q.ids.length));
    const ids = new Int32Array(B * T);
    chunk.forEach((q, b) => ids.set(q.ids, b * T));
    const logits = m.graph.noGrad(() => m.graph.scope(() => decoderLogits(c, m.weights, ids, B, T).data.slice())); // (B, T, V)
    const V = c.vocabSize;
    chunk.forEach((q, b) => {
      let bits = 0;
      for (let t = q.from; t < q.ids.length; t++) {
        const row = logits.subarray((b * T + t - 1) * V, (b * T + t) * V); // position t − 1 predicts token t
        let max = -Infinity;
        for (let v = 0; v < V; v++) max = Math.max(max, row[v]!);
        let z = 0;
        for (let v = 0; v < V; v++) z += Math.exp(row[v]! - max);
        bits += (max + Math.log(z) - row[q.ids[t]!]!) / Math.LN2;
      }
      out[s0 + b] = bits;
    });
  }
  return out;
}

/** Every canary's exposure against `samples` random secrets of its length. */
export function canaryExposures(m: ProbeModel, canaries: readonly Canary[], o: ProbeOptions = {}): CanaryExposure[] {
  const rng = new Rng(o.seed ?? 4242);
  return canaries.map((cn) => {
    const digits = cn.secret.replace(/\D/g, "").length;
    const sampled = Array.from({ length: o.samples ?? 256 }, () => randomSecret(rng, digits));
    const bits = secretBits(m, cn.prefix, [groupDigits(cn.secret.replace(/\D/g, "")), ...sampled], o.batch);
    return { id: cn.id, repeats: cn.repeats, control: cn.control, ...exposure(bits[0]!, bits.subarray(1), digits * Math.log2(10)) };
  });
}

/** Mean exposures of inserted canaries and controls: the metrics a training run logs at each evaluation. */
export function exposureSummary(xs: readonly CanaryExposure[]): { canary_exposure: number; control_exposure: number; canary_exposure_rank: number; control_exposure_rank: number } {
  const mean = (ys: readonly number[]): number => (ys.length === 0 ? NaN : ys.reduce((a, b) => a + b, 0) / ys.length);
  const ins = xs.filter((x) => !x.control), ctl = xs.filter((x) => x.control);
  return {
    canary_exposure: mean(ins.map((x) => x.fit)), control_exposure: mean(ctl.map((x) => x.fit)),
    canary_exposure_rank: mean(ins.map((x) => x.rank)), control_exposure_rank: mean(ctl.map((x) => x.rank)),
  };
}
