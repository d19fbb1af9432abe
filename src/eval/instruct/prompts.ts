// The few-shot prompt for a base (pretrained, not tuned) model: k solved training examples of the task and the
// query in plain text, no chat template; the reply is the continuation up to the task's stop string. Also each
// task's reply length and stop strings. Not here: the chat form (infer/chat.ts renders it) or generation (run.ts).
import type { InstructExample } from "../../data/instruct/example.js";
import type { EvalTask } from "./score.js";

/** Tokens a reply may take, and where a few-shot continuation ends: at the first newline for one-line answers
 *  (a level, a sentence), at a blank line for stories (TinyStories paragraphs are separated by single newlines;
 *  a blank line is where the prompt starts its next example). */
export const TASK_REPLY: Readonly<Record<EvalTask, { readonly maxTokens: number; readonly stop: readonly string[] }>> = {
  "cefr-level": { maxTokens: 8, stop: ["\n"] },
  simplify: { maxTokens: 64, stop: ["\n"] },
  "story-words": { maxTokens: 160, stop: ["\n\n"] },
};

const user = (e: InstructExample): string => e.messages.find((m) => m.role === "user")?.content ?? "";
const answer = (e: InstructExample): string => e.messages[e.messages.length - 1]!.content;

/** The instruction text of an example (its first user message). */
export const instructionOf = user;

/** "<instruction>\nAnswer: <response>" blocks separated by blank lines, the query's block open after "Answer:".
 *  A plain-text frame a base model can continue; the blank line doubles as the story task's stop. */
export function fewShotPrompt(shots: readonly InstructExample[], query: InstructExample): string {
  const block = (e: InstructExample): string => `${user(e).trim()}\nAnswer: ${answer(e).trim()}\n\n`;
  return `${shots.map(block).join("")}${user(query).trim()}\nAnswer:`;
}
