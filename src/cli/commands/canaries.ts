// `kotodama train --canaries N`: the memorization probe wired into a pretraining run — canaries and controls made
// (data/canaries.ts) and written into the training stream, their exposure (safety/memorization.ts) measured at
// every evaluation and logged in metrics.jsonl, and at the end canaries.json (the secrets, the copies' places and
// the final exposures) and exposure.svg (exposure against steps). Not here: the math of either part.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { canaryText, dedupedRepeats, insertCanaries, makeCanaries, type Canary, type CanarySpec } from "../../data/canaries.js";
import type { DecoderWeights, ModelConfig } from "../../models/index.js";
import { canaryExposures, exposureSummary, type CanaryExposure } from "../../safety/memorization.js";
import type { Graph } from "../../tensor/index.js";
import type { Tokenizer } from "../../tokenizer/index.js";
import { lossCurveSvg, readMetrics, writeAtomic, type TokenData } from "../../train/index.js";
import { KotodamaError } from "../../util/errors.js";

export interface CanaryRun {
  readonly canaries: readonly Canary[];
  readonly starts: readonly number[][];
  readonly dedup: boolean;
  readonly sep: number;
  readonly onEval: (step: number, g: Graph, w: DecoderWeights) => Readonly<Record<string, number>>;
  /** Writes canaries.json (with the final exposures) and exposure.svg into the run directory. */
  readonly finish: (dir: string, g: Graph, w: DecoderWeights) => void;
}

/** Makes the canaries, writes them into data.train (in place) and returns the probe. With `dedup`, only the
 *  copies the data pipeline's deduplication keeps are written (data/canaries.ts dedupedRepeats). */
export function setUpCanaries(spec: CanarySpec, samples: number, data: TokenData, tok: Tokenizer | null, c: ModelConfig, dedup = false): CanaryRun {
  if (tok === null) throw new KotodamaError("kotodama train --canaries: token shard data without a tokenizer; canaries need a tokenizer to be written (pass --tokenizer)");
  const sep = tok.special.eos ?? tok.special.bos;
  if (sep === undefined) throw new KotodamaError("kotodama train --canaries: the tokenizer has no end-of-text (or BOS) token to separate a canary from the text before it");
  const made = makeCanaries(spec);
  const kept = dedup ? dedupedRepeats(made) : made.map((x) => x.repeats);
  const canaries: Canary[] = made.map((x, i) => ({ ...x, repeats: kept[i]! }));
  const placed = insertCanaries(data.train, c.context, canaries.map((x) => ({ ids: tok.encode(canaryText(x), { addBos: false }), repeats: x.repeats })), sep, spec.seed);
  const measure = (g: Graph, w: DecoderWeights): CanaryExposure[] => canaryExposures({ config: c, weights: w, graph: g, tokenizer: tok, sep }, canaries, { samples, seed: spec.seed + 1 });
  return {
    canaries, starts: placed, sep, dedup,
    onEval: (_step, g, w) => exposureSummary(measure(g, w)),
    finish: (dir, g, w) => {
      const final = measure(g, w);
      const json = { spec, dedup, samples, sep, canaries: canaries.map((x, i) => ({ ...x, text: canaryText(x), starts: placed[i], exposure: final[i] })) };
      writeAtomic(join(dir, "canaries.json"), (tmp) => writeFileSync(tmp, `${JSON.stringify(json, null, 2)}\n`));
      const recs = readMetrics(join(dir, "metrics.jsonl")).filter((r) => r.probes !== undefined);
      const pts = (k: string): [number, number][] => recs.map((r) => [r.step, r.probes![k]!] as [number, number]).filter(([, v]) => Number.isFinite(v));
      const svg = lossCurveSvg(
        [
          { name: `inserted ×${spec.repeats} (normal fit)`, color: "#d62728", points: pts("canary_exposure"), markers: true },
          { name: "inserted (sampled rank)", color: "#ff9896", points: pts("canary_exposure_rank"), markers: true },
          { name: "never inserted (normal fit)", color: "#1f77b4", points: pts("control_exposure"), markers: true },
          { name: "never inserted (sampled rank)", color: "#aec7e8", points: pts("control_exposure_rank"), markers: true },
        ],
        { title: `canary exposure (${spec.count} canaries, ${spec.digits} digits: max ${(spec.digits * Math.log2(10)).toFixed(1)} bits)`, xLabel: "step", yLabel: "exposure (bits)" },
      );
      writeAtomic(join(dir, "exposure.svg"), (tmp) => writeFileSync(tmp, svg));
    },
  };
}
