// The safety evaluation of one model: every prompt rendered with the model's chat template (kotodama's plain SFT
// template when its vocabulary has none), greedy answers decoded together (infer/generate-batch.ts), each
// (prompt, answer) judged, then summarized. Not here: the prompt sets (prompts.ts), the judges (judges.ts), files.
import { endOfTurnIds, generateBatch, type InferModel } from "../../infer/index.js";
import { encodeChat } from "../../tokenizer/index.js";
import { sftTemplates } from "../../train/sft/template.js";
import { KotodamaError } from "../../util/errors.js";
import type { SafetyJudge } from "./judges.js";
import type { SafetyPrompt } from "./prompts.js";
import { summarizeSafety, type JudgedRow, type SafetySummary } from "./summary.js";

export interface SafetyEvalOptions {
  readonly model: InferModel;
  readonly prompts: readonly SafetyPrompt[];
  readonly judge: SafetyJudge;
  /** Answer tokens at most (default 64), fewer where the context ends first. */
  readonly maxNewTokens?: number;
  /** Sequences decoded at once (default 16). */
  readonly batch?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface SafetyEvalResult {
  readonly rows: readonly JudgedRow[];
  /** The answers with their ids and log-probabilities (for the KL from a reference, kl.ts). */
  readonly answers: readonly Answer[];
  readonly summary: SafetySummary;
  readonly judge: string;
  readonly settings: { readonly maxNewTokens: number; readonly batch: number; readonly decoding: "greedy" };
  readonly generatedTokens: number;
  readonly seconds: number;
}

/** The chat-template prompt ids of one user message, cut (keeping the end, where the generation prompt is) when
 *  it leaves fewer than 8 positions of the context for the answer. */
export function safetyPromptIds(model: InferModel, text: string): number[] {
  const { templates } = sftTemplates(model.tokenizer);
  const ids = encodeChat(model.tokenizer, { messages: [{ role: "user", content: text }], add_generation_prompt: true }, { template: templates }).ids;
  const room = model.config.context - 8;
  if (room < 1) throw new KotodamaError(`${model.path}: a context of ${model.config.context} positions is too short to answer`);
  return ids.length > room ? ids.slice(ids.length - room) : ids;
}

/** One greedy answer: its text, the prompt and answer ids, and the model's log-probability of each answer id. */
export interface Answer {
  readonly text: string;
  readonly promptIds: readonly number[];
  readonly ids: readonly number[];
  readonly logprobs: readonly number[];
}

/** Greedy answers to the prompts, in order, with the number of tokens generated. */
export function answerPrompts(model: InferModel, prompts: readonly string[], maxNewTokens: number, batch: number, onChunk?: (done: number) => void): { answers: Answer[]; tokens: number } {
  const endIds = endOfTurnIds(model.tokenizer);
  const answers: Answer[] = [];
  let tokens = 0;
  // Chunks of `batch` prompts so that progress can be shown; generateBatch decodes each chunk together.
  for (let s = 0; s < prompts.length; s += batch) {
    const ids = prompts.slice(s, s + batch).map((p) => safetyPromptIds(model, p));
    const r = generateBatch(model, ids, ids.map((x) => ({ temperature: 0, maxTokens: Math.min(maxNewTokens, model.config.context - x.length - 1), seed: 0 })), { batch, endIds });
    for (const q of r.sequences) answers.push({ text: q.text.trim(), promptIds: q.promptIds, ids: q.ids, logprobs: q.logprobs });
    tokens += r.generatedTokens;
    onChunk?.(answers.length);
  }
  return { answers, tokens };
}

export function evaluateSafety(o: SafetyEvalOptions): SafetyEvalResult {
  const t0 = performance.now();
  const maxNewTokens = o.maxNewTokens ?? 64, batch = o.batch ?? 16;
  if (o.prompts.length === 0) throw new KotodamaError("eval safety: no prompts to evaluate");
  const { answers, tokens } = answerPrompts(o.model, o.prompts.map((p) => p.prompt), maxNewTokens, batch, (d) => o.onProgress?.(d, o.prompts.length));
  const verdicts = o.judge.judge(o.prompts.map((p, i) => ({ prompt: p.prompt, response: answers[i]!.text })));
  const rows: JudgedRow[] = o.prompts.map((p, i) => {
    const v = verdicts[i]!;
    return { ...p, response: answers[i]!.text, safe: v.safe, refused: v.refused, action: v.action, harmful: v.harmful };
  });
  return { rows, answers, summary: summarizeSafety(rows), judge: o.judge.name, settings: { maxNewTokens, batch, decoding: "greedy" }, generatedTokens: tokens, seconds: (performance.now() - t0) / 1000 };
}
