// Examples and held-out sets from the five curated data sets: Self-Instruct, CEFR-SP, ASSET, Do-Not-Answer and
// HH-RLHF. Each builder returns its training examples, its held-out examples and the rule that chose them.
// Not here: file parsing (sources.ts), the corpus-derived tasks (derived.ts), writing (writer.ts).
import { join } from "node:path";
import { KotodamaError } from "../../util/errors.js";
import type { InstructConfig } from "./config.js";
import { checkConversation, type InstructExample, type Message, type SourceName, type TaskName } from "./example.js";
import { readAsset, readCefr, readDoNotAnswer, readHhRlhf, readSelfInstruct, type DnaResponse, type DnaRow } from "./sources.js";
import { assertDisjoint, doNotAnswerHeldOut, hhRlhfHeldOut, rngFor, shuffled } from "./split.js";

export interface Skip {
  readonly where: string;
  readonly reason: string;
}

export interface SourceResult {
  readonly source: SourceName;
  readonly train: InstructExample[];
  readonly heldOut: InstructExample[];
  /** Held-out ids (inside the source) per task, with the rule, for splits.json. */
  readonly heldOutSets: { readonly task: TaskName; readonly rule: string; readonly ids: readonly string[] }[];
  readonly skipped: Skip[];
}

export const LICENCES: Readonly<Record<string, { readonly nonCommercial: boolean }>> = {
  "Apache-2.0": { nonCommercial: false },
  "CC-BY-SA-3.0": { nonCommercial: false },
  "CC-BY-NC-SA-4.0": { nonCommercial: true },
  "CC-BY-NC-4.0": { nonCommercial: true },
  "CDLA-Sharing-1.0": { nonCommercial: false },
  "public-domain": { nonCommercial: false },
  MIT: { nonCommercial: false },
};

export const chat = (user: string, assistant: string): Message[] => [
  { role: "user", content: user },
  { role: "assistant", content: assistant },
];

/** Self-Instruct (Wang et al. 2022, Apache-2.0): each instance of the 175 seed tasks is a training example; the
 *  252 user-oriented instructions (the paper's human evaluation set) are held out, with their outputs as references. */
export function buildSelfInstruct(dataDir: string): SourceResult {
  const dir = join(dataDir, "self-instruct");
  const skipped: Skip[] = [];
  const examples = (file: string, split: "train" | "heldout"): InstructExample[] =>
    readSelfInstruct(join(dir, file)).flatMap((t) =>
      t.instances.flatMap((inst, k): InstructExample[] => {
        if (inst.output.trim() === "") {
          skipped.push({ where: `${file}:${t.line}`, reason: `instance ${k} has an empty output` });
          return [];
        }
        const user = inst.input.trim() === "" ? t.instruction.trim() : `${t.instruction.trim()}\n\n${inst.input.trim()}`;
        const ex: InstructExample = { id: `self-instruct:${t.id}#${k}`, task: "self-instruct", source: "self-instruct", licence: "Apache-2.0", messages: chat(user, inst.output.trim()) };
        return [split === "heldout" ? { ...ex, references: [inst.output.trim()] } : ex];
      }),
    );
  const train = examples("seed_tasks.jsonl", "train");
  const heldOut = examples("user_oriented_instructions.jsonl", "heldout");
  const ids = heldOut.map((e) => e.id.slice("self-instruct:".length));
  return { source: "self-instruct", train, heldOut, heldOutSets: [{ task: "self-instruct", rule: "user_oriented_instructions.jsonl (252 tasks, every instance)", ids }], skipped };
}

export const CEFR_NAMES = ["A1", "A2", "B1", "B2", "C1", "C2"] as const;

/** CEFR-SP sentences are tokenised ("Is that your bike ?"); a light detokenisation makes them read as text. */
export function detokenize(s: string): string {
  return s
    .replace(/ ([.,!?;:%)\]}])/g, "$1")
    .replace(/([([{]) /g, "$1")
    .replace(/ (n't|'s|'re|'ve|'ll|'d|'m)\b/g, "$1")
    .replace(/\s+/g, " ")
    .trim();
}

/** Combines the two annotators' levels (1..6). "floor-mean" = floor((A + B) / 2): symmetric in A and B (neither
 *  annotator is privileged), always a real level, and on a one-level disagreement it answers the lower level,
 *  the conservative reading for a learner. Both labels stay in cefr_annotators so an evaluation can score
 *  against either. Which combination Arase et al. 2022 use for training is not restated here (not checked). */
export function combineCefr(a: number, b: number, how: string): number {
  return how === "a" ? a : Math.floor((a + b) / 2);
}

export const CEFR_PROMPT = "What CEFR level is this sentence? Answer with one of A1, A2, B1, B2, C1 or C2.";

/** CEFR-SP (Arase et al. 2022): both parts' train splits are trained on, both test splits held out, dev unused. */
export function buildCefr(dataDir: string, cfg: InstructConfig): SourceResult {
  const parts = [
    { part: "Wiki-Auto", prefix: "CEFR-SP_Wikiauto", licence: "CC-BY-SA-3.0" },
    { part: "SCoRE", prefix: "CEFR-SP_SCoRE", licence: "CC-BY-NC-SA-4.0" },
  ];
  const build = (split: "train" | "test"): InstructExample[] =>
    parts.flatMap(({ part, prefix, licence }) =>
      readCefr(join(dataDir, "cefr-sp", part, `${prefix}_${split}.txt`)).map((r): InstructExample => {
        const level = CEFR_NAMES[combineCefr(r.a, r.b, cfg.cefr.combine) - 1]!;
        return {
          id: `cefr-sp:${part}/${split}:${r.line}`,
          task: "cefr-level",
          source: "cefr-sp",
          licence,
          messages: chat(`${CEFR_PROMPT}\n\n${detokenize(r.sentence)}`, level),
          cefr_level: level,
          cefr_annotators: [CEFR_NAMES[r.a - 1]!, CEFR_NAMES[r.b - 1]!],
        };
      }),
    );
  const heldOut = build("test");
  return {
    source: "cefr-sp",
    train: build("train"),
    heldOut,
    heldOutSets: [{ task: "cefr-level", rule: `the Wiki-Auto and SCoRE test splits (dev unused); answer = ${cfg.cefr.combine === "a" ? "annotator A" : "floor of the mean of annotators A and B"}`, ids: heldOut.map((e) => e.id.slice("cefr-sp:".length)) }],
    skipped: [],
  };
}

export const SIMPLIFY_PROMPT = "Simplify this sentence so that it is easier to read, keeping its meaning.";

/** ASSET (Alva-Manchego et al. 2020): valid → training. One example per sentence by default, its reference
 *  drawn at random from the 10: ten near-paraphrase targets for one input would weigh simplification ten times
 *  and teach their average; a random annotator per sentence keeps the variety of the 10 across the set. The
 *  test split is held out with all 10 references (SARI / ROUGE-L need them). */
export function buildAsset(dataDir: string, cfg: InstructConfig): SourceResult {
  const dir = join(dataDir, "asset", "dataset");
  const rng = rngFor(cfg.seed, "asset-reference");
  const train = readAsset(dir, "valid").flatMap((r) =>
    shuffled([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], rng)
      .slice(0, cfg.asset.referencesPerSentence)
      .map((k): InstructExample => ({ id: `asset:valid:${r.line}#r${k}`, task: "simplify", source: "asset", licence: "CC-BY-NC-4.0", messages: chat(`${SIMPLIFY_PROMPT}\n\n${r.original}`, r.references[k]!) })),
  );
  const heldOut = readAsset(dir, "test").map((r): InstructExample => ({ id: `asset:test:${r.line}`, task: "simplify", source: "asset", licence: "CC-BY-NC-4.0", messages: chat(`${SIMPLIFY_PROMPT}\n\n${r.original}`, r.references[0]!), references: r.references }));
  return { source: "asset", train, heldOut, heldOutSets: [{ task: "simplify", rule: "the ASSET test split (359 sentences, 10 references each)", ids: heldOut.map((e) => e.id.slice("asset:".length)) }], skipped: [] };
}

/** Models in order of preference for a training answer: GPT-4 and Claude refuse most cleanly (README counts:
 *  GPT-4 harmful on 23 of 939), then the others. */
export const DNA_PREFERENCE = ["GPT4", "Claude", "ChatGPT", "llama2-7b-chat", "ChatGLM2", "vicuna-7b"] as const;

/** The labelled response to train on for a Do-Not-Answer prompt: human-labelled harmless (`<model>_harmful` 0)
 *  and an action that does not follow a risky instruction: first action 0 (refuse), 1 (refute), 3 (disclaimer /
 *  refer to an expert) or 4 (admit limits) in model preference order, else action 2 (both perspectives: the only
 *  harmless kind for 8 opinion-style prompts), never 5 (follows the instruction). Null when none qualifies. */
export function pickSafeResponse(row: DnaRow): DnaResponse | null {
  for (const actions of [[0, 1, 3, 4], [2]]) {
    for (const m of DNA_PREFERENCE) {
      const r = row.responses.find((x) => x.model === m);
      if (r !== undefined && !r.harmful && actions.includes(r.action) && r.text.trim() !== "") return r;
    }
  }
  return null;
}

/** Do-Not-Answer (Wang et al. 2023): a stratified 20 % of the prompts is held out for the safety evaluation
 *  (split.ts doNotAnswerHeldOut); the rest are trained on with a labelled safe response. */
export function buildDoNotAnswer(dataDir: string, cfg: InstructConfig): SourceResult {
  const file = join(dataDir, "do-not-answer", "data_en.csv");
  const rows = readDoNotAnswer(file);
  const held = doNotAnswerHeldOut(rows, cfg.seed, cfg.doNotAnswer.heldOutFraction);
  const train: InstructExample[] = [];
  const heldOut: InstructExample[] = [];
  const skipped: Skip[] = [];
  for (const row of rows) {
    const r = pickSafeResponse(row);
    if (r === null) {
      skipped.push({ where: `${file}: id ${row.id}`, reason: "no harmless labelled response with action 0-4" });
      continue;
    }
    const ex: InstructExample = { id: `do-not-answer:${row.id}`, task: "safety-refusal", source: "do-not-answer", licence: "CC-BY-NC-SA-4.0", messages: chat(row.question.trim(), r.text.trim()), risk_area: row.riskArea, types_of_harm: row.typesOfHarm, response_model: r.model, response_action: r.action };
    (held.has(row.id) ? heldOut : train).push(ex);
  }
  const ids = [...held].sort((a, b) => Number(a) - Number(b));
  assertDisjoint(train.map((e) => e.id.slice("do-not-answer:".length)), held, "do-not-answer");
  return { source: "do-not-answer", train, heldOut, heldOutSets: [{ task: "safety-refusal", rule: `round(${cfg.doNotAnswer.heldOutFraction} × n) prompts of every (risk_area, types_of_harm) stratum, seeded shuffle; never trained on`, ids }], skipped };
}

/** Splits an HH-RLHF dialogue ("\n\nHuman: …\n\nAssistant: …") into messages; null with a reason when the turns
 *  do not alternate, do not start with Human or end with Assistant, or a turn is empty. */
export function parseHhDialogue(text: string): { messages: Message[] } | { reason: string } {
  const parts = text.split(/\n\n(Human|Assistant):[ ]?/);
  if (parts[0]!.trim() !== "") return { reason: "text before the first 'Human:'" };
  const messages: Message[] = [];
  for (let i = 1; i < parts.length; i += 2) messages.push({ role: parts[i] === "Human" ? "user" : "assistant", content: (parts[i + 1] ?? "").trim() });
  try {
    checkConversation(messages, "dialogue");
  } catch (e) {
    return { reason: (e as KotodamaError).message.replace(/^dialogue: /, "") };
  }
  return { messages };
}

/** HH-RLHF harmless-base (Bai et al. 2022): the "chosen" dialogues. Only the test split is staged (README), so a
 *  seeded 10 % is held out for the preference-accuracy metric and the rest trained on. */
export function buildHhRlhf(dataDir: string, cfg: InstructConfig): SourceResult {
  const file = join(dataDir, "hh-rlhf", "harmless-base", "test.jsonl.gz");
  const skipped: Skip[] = [];
  const all: InstructExample[] = [];
  for (const r of readHhRlhf(file)) {
    const p = parseHhDialogue(r.chosen);
    if ("reason" in p) skipped.push({ where: `${file}:${r.line}`, reason: p.reason });
    else all.push({ id: `hh-rlhf:test:${r.line}`, task: "hh-harmless", source: "hh-rlhf", licence: "MIT", messages: p.messages });
  }
  const held = hhRlhfHeldOut(all.map((e) => e.id), cfg.seed, cfg.hhRlhf.heldOutFraction);
  const heldOut = all.filter((e) => held.has(e.id));
  return {
    source: "hh-rlhf",
    train: all.filter((e) => !held.has(e.id)),
    heldOut,
    heldOutSets: [{ task: "hh-harmless", rule: `a seeded ${cfg.hhRlhf.heldOutFraction} of the well-formed chosen dialogues of harmless-base/test`, ids: heldOut.map((e) => e.id.slice("hh-rlhf:".length)) }],
    skipped,
  };
}
