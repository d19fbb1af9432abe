// The guard around any responder (a plain async function from prompt to text: a local model, an endpoint, the
// server's handler): check the input → refuse or redirect with the policy text without calling the model, or call
// it (adding the care text before or after the answer for answer-with-care) → check the output and replace an
// unsafe answer with the refusal. guardAnswer applies the same steps to an answer already produced (evaluation).
// Not here: scores and verdicts (guard-model.ts), the policy tables (guard-policy.ts).
import { inspectInput, inspectOutput, type AnyGuard } from "./guard-check.js";
import type { InputCheck, OutputCheck } from "./guard-model.js";
import { MESSAGES } from "./guard-policy.js";

export type Responder = (prompt: string) => Promise<string>;

export interface GuardedReply {
  /** What the user sees. */
  readonly text: string;
  readonly input: InputCheck;
  /** Null when the model was not called. */
  readonly output: OutputCheck | null;
  readonly calledModel: boolean;
  /** The model's own answer, before care text or replacement (null when not called). */
  readonly answer: string | null;
  /** True when the output check replaced the answer with the refusal. */
  readonly replaced: boolean;
}

/** True when the input check's policy answers without the model (refuse or redirect). */
export const blocksModel = (c: InputCheck): boolean => c.policy.action === "refuse" || c.policy.action === "redirect";

/** The reply to a prompt whose input check allowed the model, given the model's answer. */
export async function finishReply(g: AnyGuard, prompt: string, input: InputCheck, answer: string): Promise<GuardedReply> {
  const output = await inspectOutput(g, prompt, answer);
  if (output.flagged) return { text: MESSAGES.refuse[input.policy.lang], input, output, calledModel: true, answer, replaced: true };
  const p = input.policy;
  const text = p.action !== "care" ? answer : p.placement === "before" ? `${p.text}\n\n${answer}` : `${answer}\n\n${p.text}`;
  return { text, input, output, calledModel: true, answer, replaced: false };
}

/** The reply without calling the model (the input is refused or redirected). */
const blockedReply = (input: InputCheck): GuardedReply => ({ text: input.policy.text, input, output: null, calledModel: false, answer: null, replaced: false });

/** Wraps a responder with the guard. */
export function guarded(g: AnyGuard, responder: Responder): (prompt: string) => Promise<GuardedReply> {
  return async (prompt) => {
    const input = await inspectInput(g, prompt);
    if (blocksModel(input)) return blockedReply(input);
    return finishReply(g, prompt, input, await responder(prompt));
  };
}

/** The guarded reply for an answer the model already gave (the same steps as guarded; for evaluation, where
 *  answers are generated in batches before the guard is applied: a blocked prompt's answer is discarded). */
export async function guardAnswer(g: AnyGuard, prompt: string, answer: string): Promise<GuardedReply> {
  const input = await inspectInput(g, prompt);
  return blocksModel(input) ? blockedReply(input) : finishReply(g, prompt, input, answer);
}
