// The chat prompt a served model sees: its own chat template, else kotodama's (kotodama vocabulary), else the plain
// SFT template (train/sft/template.ts), with the generation prompt — shared by /v1/chat/completions (run-job.ts) and
// the explorer's side-by-side answers (explorer-jobs.ts). Not here: generation, the templates themselves.
import type { InferModel } from "../../infer/index.js";
import { encodeChat } from "../../tokenizer/index.js";
import { sftTemplates } from "../../train/sft/template.js";
import type { ChatJob } from "./protocol.js";

/** The prompt's ids for `messages`, rendered as eval/safety renders its prompts. */
export function chatPromptIds(model: InferModel, messages: ChatJob["messages"]): number[] {
  return encodeChat(model.tokenizer, { messages, add_generation_prompt: true }, { template: sftTemplates(model.tokenizer).templates }).ids;
}
