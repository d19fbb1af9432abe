// The server's generations behind the guard (serve --guard): before a chat or text completion job is queued, the
// guard checks its input (a chat's last user message; each text prompt); a prompt the policy refuses or redirects
// is answered with the policy text and never reaches the model; the others are generated whole (a stream asked for
// is sent once the answer is checked), and each choice goes through the output check and the care text as
// safety/guard-wrapper.ts finishReply does it. A choice whose text the guard changed loses its logprobs (they would
// describe another text: its logprobs list is empty). Not here: the checks and policies (safety/), the routes and SSE (app.ts).
import { blocksModel, finishReply, inspectInput, type AnyGuard, type InputCheck } from "../../safety/index.js";
import { ApiError } from "./errors.js";
import type { ChatJob, ChoiceResult, CompleteJob, GenerationResult } from "./protocol.js";

/** What the guard did to one prompt (`kotodama_guard` in the response). */
export interface GuardNote {
  readonly prompt: number;
  readonly decision: string;
  readonly rule: string;
  readonly area: string;
  readonly unsafe: number;
  readonly flagged: boolean;
  /** Choices of this prompt whose answer the output check replaced with the refusal. */
  readonly replaced: readonly number[];
}

/** The text of a chat message's content (text parts joined; other parts have none). */
const contentText = (c: ChatJob["messages"][number]["content"]): string =>
  typeof c === "string" ? c : c === null ? "" : c.map((p) => (p.type === "text" && typeof p.text === "string" ? p.text : "")).join("");

/** The texts the guard checks, one per prompt: a chat's last user message; a completion's prompts, which must be text. */
export function guardedPrompts(job: ChatJob | CompleteJob): string[] {
  if (job.kind === "chat") {
    const user = [...job.messages].reverse().find((m) => m.role === "user");
    return [user === undefined ? "" : contentText(user.content)];
  }
  return job.prompts.map((p, i) => {
    if (typeof p !== "string") throw new ApiError(400, `prompt ${i} is token ids; this server's guard reads text, so send prompts as strings`, "prompt", "guard_needs_text");
    return p;
  });
}

/** Runs a generation job behind the guard; `run` queues a job (without streaming) and returns its result. */
export async function guardedGeneration(guard: AnyGuard, job: ChatJob | CompleteJob, run: (job: ChatJob | CompleteJob) => Promise<GenerationResult>): Promise<{ result: GenerationResult; notes: GuardNote[] }> {
  const prompts = guardedPrompts(job);
  const inputs: InputCheck[] = [];
  for (const p of prompts) inputs.push(await inspectInput(guard, p));
  const allowed = prompts.flatMap((_, i) => (blocksModel(inputs[i]!) ? [] : [i]));
  const n = job.n;
  let ran: GenerationResult | null = null;
  if (allowed.length > 0) ran = await run(job.kind === "chat" ? job : { ...job, prompts: allowed.map((i) => job.prompts[i]!) });
  const choices: ChoiceResult[] = [];
  const replaced = prompts.map((): number[] => []);
  for (let i = 0; i < prompts.length; i++) {
    const input = inputs[i]!;
    const slot = allowed.indexOf(i);
    for (let j = 0; j < n; j++) {
      const index = i * n + j;
      if (slot < 0) {
        choices.push({ index, text: input.policy.text, finishReason: "stop", promptTokens: [], tokens: [] });
        continue;
      }
      const c = ran!.choices.find((x) => x.index === slot * n + j)!;
      const echo = c.echoChars ?? 0;
      const reply = await finishReply(guard, prompts[i]!, input, c.text.slice(echo));
      if (reply.replaced) replaced[i]!.push(index);
      const text = c.text.slice(0, echo) + reply.text;
      choices.push(text === c.text ? { ...c, index } : { index, text, finishReason: c.finishReason, promptTokens: [], tokens: [] });
    }
  }
  const notes = inputs.map((c, i): GuardNote => ({ prompt: i, decision: c.policy.action, rule: c.policy.rule, area: c.area, unsafe: c.unsafe, flagged: c.flagged, replaced: replaced[i]! }));
  const result: GenerationResult = { kind: job.kind, choices, promptTokens: ran?.promptTokens ?? 0, completionTokens: ran?.completionTokens ?? 0, cancelled: ran?.cancelled ?? false };
  return { result, notes };
}
