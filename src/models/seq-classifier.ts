// A sequence classifier directory (an LM with a sequence head: the safety evaluator, the CEFR classifier): its
// config.json checked for the expected kind, the decoder weights loaded into a fresh graph, the head and its labels
// checked, and the context it was trained with. Not here: training one (safety/evaluator-train.ts,
// eval/cefr/model.ts), the head itself (seq-head.ts).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadBackend } from "../engine/backend.js";
import type { Backend } from "../engine/ops.js";
import { Graph } from "../tensor/index.js";
import type { Tokenizer } from "../tokenizer/index.js";
import { FormatError } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import type { ModelConfig } from "./config.js";
import { initDecoderWeights, namedWeights, type DecoderWeights } from "./weights.js";
import { decoderWeightsOf, loadModel } from "./load.js";
import { loadSeqHead, type SeqHead } from "./seq-head.js";

export interface SeqClassifierKind {
  /** config.json's "kind". */
  readonly kind: string;
  /** What the directory is, in an error ("a safety evaluator directory"), and the command that makes one. */
  readonly what: string;
  readonly trainHint: string;
  /** The head's labels, in order. */
  readonly labels: readonly string[];
  /** config.json's section holding `context` (e.g. "evaluator", "cefr"). */
  readonly section: string;
}

export interface OpenSeqClassifier {
  readonly dir: string;
  readonly config: ModelConfig;
  readonly tokenizer: Tokenizer;
  readonly graph: Graph;
  readonly weights: DecoderWeights;
  readonly head: SeqHead;
  /** Tokens read per input (the context it was trained with). */
  readonly context: number;
}

/** Loads a classifier directory of kind `k`; errors name the directory and the missing or mismatched file. */
export function openSeqClassifier(dir: string, k: SeqClassifierKind, backend: Backend = loadBackend()): OpenSeqClassifier {
  const cfgPath = join(dir, "config.json");
  if (!existsSync(cfgPath)) throw new FormatError(dir, `no config.json: not ${k.what} (train one with \`${k.trainHint}\`)`);
  let cfg: Record<string, unknown>;
  try {
    cfg = JSON.parse(readFileSync(cfgPath, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new FormatError(cfgPath, `not valid JSON: ${(e as Error).message}`);
  }
  if (cfg.kind !== k.kind) throw new FormatError(cfgPath, `kind is ${JSON.stringify(cfg.kind)}, expected "${k.kind}"`);
  const m = loadModel(dir);
  const g = new Graph(backend);
  const w = initDecoderWeights(g, m.config, new Rng(0));
  const src = new Map(namedWeights(decoderWeightsOf(m)).map((n) => [n.name, n.tensor.data]));
  for (const n of namedWeights(w)) n.tensor.data.set(src.get(n.name)!);
  const head = loadSeqHead(g, dir, m.config);
  if (head.labels.join("\u0000") !== k.labels.join("\u0000")) throw new FormatError(join(dir, "head.json"), `labels ${JSON.stringify(head.labels)} are not ${JSON.stringify(k.labels)}`);
  const section = cfg[k.section] as { context?: unknown } | undefined;
  const context = typeof section?.context === "number" ? section.context : m.config.context;
  return { dir, config: m.config, tokenizer: m.tokenizer, graph: g, weights: w, head, context };
}
