// The main job's instruction-tuning stage (npm start, after pretraining): the instruction data built from
// ../shared/data (data/instruct), a short-example subset of every task, full fine-tuning of the pretrained run with
// packed rows, and a few held-out instructions answered before and after. Not here: the SFT run itself (run.ts),
// the data builders (data/instruct), the CLI (cli/commands/start.ts).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildInstructData } from "../../data/instruct/build.js";
import { INSTRUCT_DEFAULTS } from "../../data/instruct/config.js";
import type { InstructExample, TaskName } from "../../data/instruct/example.js";
import type { Backend } from "../../engine/ops.js";
import { ChatSession, openInferModel, type ChatReply } from "../../infer/index.js";
import { runSft, type SftResult } from "./run.js";

export interface MainJobSftOptions {
  /** The pretrained run directory. */
  readonly base: string;
  readonly outDir: string;
  readonly backend: Backend;
  readonly timeBudgetS: number;
  readonly seed: number;
  readonly log: (line: string) => void;
}

/** One held-out instruction with the base model's and the tuned model's greedy replies. */
export interface BeforeAfter {
  readonly task: TaskName;
  readonly prompt: string;
  readonly reference: string;
  readonly before: string;
  readonly after: string;
}

export interface MainJobSftResult {
  readonly sft: SftResult;
  readonly examples: number;
  readonly samples: readonly BeforeAfter[];
}

/** Tasks the 256-token default model can hold (HH-RLHF dialogues and Self-Instruct tasks run longer). */
const TASKS: readonly TaskName[] = ["cefr-level", "simplify", "story-words", "story-continue", "ja-continue", "safety-refusal"];
const PER_TASK = 300;
const MAX_CHARS = 500; // an example's text; the default model's 256 tokens hold ≈ 600–1000 characters
const SHOWN: readonly TaskName[] = ["cefr-level", "simplify", "story-words", "safety-refusal"];

const chars = (e: InstructExample): number => e.messages.reduce((n, m) => n + m.content.length, 0);
const line = (e: InstructExample): string => JSON.stringify({ messages: e.messages });

async function reply(s: ChatSession, text: string): Promise<ChatReply> {
  const it = s.send(text, { temperature: 0, maxTokens: 48 });
  for (;;) {
    const r = await it.next();
    if (r.done === true) return r.value;
  }
}

/** Builds the data, fine-tunes `base` into `outDir` (resuming or reusing a finished run), answers held-out
 *  instructions with both models. */
export async function mainJobSft(o: MainJobSftOptions): Promise<MainJobSftResult> {
  const data = buildInstructData({ ...INSTRUCT_DEFAULTS, seed: o.seed });
  const pick = (xs: readonly InstructExample[], n: number): InstructExample[] => xs.filter((e) => chars(e) <= MAX_CHARS).slice(0, n);
  const train = TASKS.flatMap((t) => pick(data.train.filter((e) => e.task === t), PER_TASK));
  const val = TASKS.flatMap((t) => pick(data.heldOut.get(t) ?? [], 8));
  const dir = join(o.outDir, "data");
  mkdirSync(dir, { recursive: true });
  const trainPath = join(dir, "train.jsonl"), valPath = join(dir, "heldout.jsonl");
  writeFileSync(trainPath, `${train.map(line).join("\n")}\n`);
  writeFileSync(valPath, `${val.map(line).join("\n")}\n`);
  o.log(`instruction data: ${train.length} short training examples from ${TASKS.join(", ")} (of ${data.train.length}); ${val.length} held out`);
  const sft = runSft({
    model: o.base, data: [trainPath], valData: [valPath], outDir: o.outDir, backend: o.backend,
    settings: { maxSteps: 200, lr: 1e-3, batchSize: 8, context: 256, pack: true, seed: o.seed },
    timeBudgetS: o.timeBudgetS, log: o.log,
  });
  const before = new ChatSession(openInferModel(o.base, { backend: o.backend }));
  const after = new ChatSession(openInferModel(o.outDir, { backend: o.backend }));
  const samples: BeforeAfter[] = [];
  for (const t of SHOWN) {
    const e = pick(data.heldOut.get(t) ?? [], 1)[0];
    if (e === undefined) continue;
    const prompt = e.messages.find((m) => m.role === "user")?.content ?? "";
    before.reset();
    after.reset();
    samples.push({
      task: t, prompt, reference: e.messages[e.messages.length - 1]!.content,
      before: (await reply(before, prompt)).reply, after: (await reply(after, prompt)).reply,
    });
  }
  return { sft, examples: train.length, samples };
}
