// A trained reward model in use: a reward run directory (decoder + head.safetensors) opened once, scoring
// (conversation, answer) pairs with the chat template it was trained with, batched. PPO and GRPO call it on
// their rollouts; evaluations call it on held-out pairs. Not here: training (run.ts).
import type { Backend } from "../../engine/ops.js";
import { decoderWeightsOf, loadModel } from "../../models/load.js";
import type { DecoderWeights, ModelConfig } from "../../models/index.js";
import { loadSeqHead, sequenceScores, type SeqHead } from "../../models/seq-head.js";
import { Graph } from "../../tensor/index.js";
import type { Tokenizer } from "../../tokenizer/index.js";
import { KotodamaError } from "../../util/errors.js";
import { Rng } from "../../util/rng.js";
import { copyOf } from "../finetune.js";
import { fillPadded } from "../sft/batches.js";
import { encodeExample, type SftRow } from "../sft/examples.js";
import { sftTemplates } from "../sft/template.js";
import { rowLengths } from "./loss.js";

export interface ChatTurn {
  readonly role: "system" | "user" | "assistant";
  readonly content: string;
}

export interface RewardModel {
  readonly config: ModelConfig;
  readonly tokenizer: Tokenizer;
  /** One scalar per (conversation, answer): conversations end with the user's turn. */
  score(items: readonly { readonly messages: readonly ChatTurn[]; readonly answer: string }[], batch?: number): Float32Array;
}

/** Opens a reward run directory (kotodama reward train --out DIR). */
export function openRewardModel(dir: string, backend: Backend): RewardModel {
  const m = loadModel(dir);
  const g = new Graph(backend);
  const w: DecoderWeights = copyOf(decoderWeightsOf(m))(g, m.config, new Rng(0)); // on `backend`'s graph
  const head: SeqHead = loadSeqHead(g, dir, m.config);
  if (head.labels.length !== 1) throw new KotodamaError(`${dir}: a reward model has one output, this head has ${head.labels.length} (${head.labels.join(", ")})`);
  const { templates } = sftTemplates(m.tokenizer);
  const T = m.config.context;
  return {
    config: m.config,
    tokenizer: m.tokenizer,
    score(items, batch = 8) {
      const rows: SftRow[] = items.map((it, i) => {
        const enc = encodeExample(m.tokenizer, { messages: [...it.messages, { role: "assistant", content: it.answer }], where: `item ${i}` }, { templates, context: T, overflow: "truncate" });
        if (enc === null) throw new KotodamaError(`reward model: item ${i}'s answer starts past the context of ${T} tokens`);
        return enc.row;
      });
      const out = new Float32Array(rows.length);
      for (let i = 0; i < rows.length; i += batch) {
        const B = Math.min(batch, rows.length - i);
        const L = Math.max(...rows.slice(i, i + B).map((r) => r.inputs.length));
        const b = fillPadded(rows, (r) => i + r, B, L);
        const s = g.noGrad(() => g.scope(() => Float32Array.from(sequenceScores(m.config, w, head, b.inputs, rowLengths(b.targets, B, L), B, L).data)));
        out.set(s, i);
      }
      return out;
    },
  };
}
