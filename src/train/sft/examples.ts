// SFT examples as training rows: each conversation rendered with the chat template and encoded (encodeChat), the
// inputs its tokens but the last, the targets the next tokens where the next token is an assistant token
// (assistantMask, computed from character spans mapped through token offsets) and IGNORE_INDEX elsewhere, so the
// loss falls on responses only. Rows longer than the context are truncated or dropped, and counted.
// Not here: reading files (formats.ts), batching (batches.ts).
import { encodeChat, type ChatTemplates, type EncodedChat, type Tokenizer } from "../../tokenizer/index.js";
import { KotodamaError } from "../../util/errors.js";
import { IGNORE_INDEX } from "../data.js";
import type { SftExample } from "./formats.js";

/** What to do with an example longer than the context: keep its first T positions, or leave it out. */
export type Overflow = "truncate" | "drop";

export interface SftRow {
  /** Token ids the model reads (the example's tokens but the last), ≤ T of them. */
  readonly inputs: Int32Array;
  /** Per input position, the next token where it is an assistant token, else IGNORE_INDEX. */
  readonly targets: Int32Array;
  readonly where: string;
}

export interface EncodedExamples {
  readonly rows: readonly SftRow[];
  /** Examples cut to the context (overflow "truncate"). */
  readonly truncated: number;
  /** Examples left out: too long (overflow "drop"), or with no assistant token left inside the context. */
  readonly dropped: number;
  /** Targets that carry loss, over all rows. */
  readonly lossTokens: number;
  readonly tokens: number;
}

/** Inputs and targets of one encoded conversation (untruncated). Position t predicts token t + 1, so the target
 *  at t is kept when token t + 1 is masked in: a response's first token is predicted from the prompt's last. */
export function sftTargets(enc: EncodedChat): { inputs: Int32Array; targets: Int32Array } {
  const n = enc.ids.length - 1;
  const inputs = Int32Array.from(enc.ids.slice(0, Math.max(0, n)));
  const targets = new Int32Array(Math.max(0, n));
  for (let t = 0; t < n; t++) targets[t] = enc.assistantMask[t + 1] === 1 ? enc.ids[t + 1]! : IGNORE_INDEX;
  return { inputs, targets };
}

const countLoss = (t: Int32Array): number => t.reduce((s, y) => s + (y === IGNORE_INDEX ? 0 : 1), 0);

export interface EncodeOptions {
  readonly templates: ChatTemplates;
  readonly context: number;
  readonly overflow: Overflow;
}

/** One example as a row of at most T positions, whether it was cut to fit, and its loss-bearing targets; null
 *  when it is left out (too long under "drop", or no assistant token inside the context). */
export function encodeExample(tok: Tokenizer, ex: SftExample, o: EncodeOptions): { row: SftRow; truncated: boolean; lossTokens: number } | null {
  let enc: EncodedChat;
  try {
    enc = encodeChat(tok, { messages: ex.messages }, { template: o.templates });
  } catch (e) {
    throw new KotodamaError(`${ex.where}: cannot encode the example with ${o.templates.source} (${(e as Error).message})`);
  }
  const full = sftTargets(enc);
  const T = o.context;
  const long = full.inputs.length > T;
  if (long && o.overflow === "drop") return null;
  const inputs = full.inputs.subarray(0, T);
  const targets = full.targets.subarray(0, T);
  const n = countLoss(targets);
  if (n === 0) return null; // the response starts past the context: a row without loss only costs time
  return { row: { inputs, targets, where: ex.where }, truncated: long, lossTokens: n };
}

/** Encodes every example with `templates` into rows of at most T positions. */
export function encodeExamples(tok: Tokenizer, examples: readonly SftExample[], o: EncodeOptions): EncodedExamples {
  const rows: SftRow[] = [];
  let truncated = 0;
  let dropped = 0;
  let lossTokens = 0;
  let tokens = 0;
  for (const ex of examples) {
    const e = encodeExample(tok, ex, o);
    if (e === null) {
      dropped++;
      continue;
    }
    if (e.truncated) truncated++;
    rows.push(e.row);
    lossTokens += e.lossTokens;
    tokens += e.row.inputs.length;
  }
  if (rows.length === 0) throw new KotodamaError(`sft: no example fits a context of ${o.context} tokens with a response inside it (${dropped} dropped)`);
  return { rows, truncated, dropped, lossTokens, tokens };
}
