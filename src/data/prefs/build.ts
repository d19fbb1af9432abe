// `kotodama data prefs`: preference pairs from ../shared/data — HH-RLHF harmless-base (chosen vs rejected last
// assistant turn) and Do-Not-Answer (a harmless, appropriately acting response vs a harmful or instruction-
// following one on the same risky prompt) — split with the instruction data's held-out definitions (split.ts),
// and written as train.jsonl, heldout.jsonl, manifest.json, config.json and LICENCES.md.
// Not here: the line format and its reader (format.ts); training on pairs (train/dpo/).
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { KotodamaError } from "../../util/errors.js";
import { defaultDataDir } from "../../pull/locate.js";
import { atomicWrite, sha256 } from "../files.js";
import { INSTRUCT_DEFAULTS } from "../instruct/config.js";
import { readDoNotAnswer, readHhRlhf, type DnaResponse, type DnaRow } from "../instruct/sources.js";
import { assertDisjoint, doNotAnswerHeldOut, hhRlhfHeldOut, rngFor, stratifiedHoldOut } from "../instruct/split.js";
import { DNA_PREFERENCE, LICENCES, parseHhDialogue } from "../instruct/tasks.js";
import { BORDERLINE } from "../instruct/borderline.js";
import { generateContrasts } from "../instruct/contrast.js";
import { prefLine, type PrefPair } from "./format.js";

/** The resolved configuration, written to config.json. The seed and the held-out fractions are the instruction
 *  data's (INSTRUCT_DEFAULTS), not settings: the held-out prompts must be the same in every data set. */
export interface PrefsConfig {
  readonly dataDir: string;
  readonly seed: number;
  readonly hhRlhf: { readonly file: string; readonly heldOutFraction: number };
  readonly doNotAnswer: { readonly file: string; readonly heldOutFraction: number; readonly chosenActions: readonly number[]; readonly prefsHeldOutFraction: number };
}

export function prefsConfig(dataDir: string | null = null): PrefsConfig {
  const dir = dataDir ?? defaultDataDir();
  if (dir === null) throw new KotodamaError("data prefs: ../shared/data is absent; pass --data-dir DIR");
  return {
    dataDir: resolve(dir),
    seed: INSTRUCT_DEFAULTS.seed,
    hhRlhf: { file: "hh-rlhf/harmless-base/test.jsonl.gz", heldOutFraction: INSTRUCT_DEFAULTS.hhRlhf.heldOutFraction },
    doNotAnswer: { file: "do-not-answer/data_en.csv", heldOutFraction: INSTRUCT_DEFAULTS.doNotAnswer.heldOutFraction, chosenActions: [0, 1, 2, 3, 4], prefsHeldOutFraction: 0.15 },
  };
}

type Pair = Omit<PrefPair, "where">;

export interface PrefsData {
  readonly config: PrefsConfig;
  readonly train: readonly Pair[];
  readonly heldOut: readonly Pair[];
  /** Where the held-out pairs come from, in words, per source. */
  readonly rules: Readonly<Record<string, string>>;
  readonly skipped: Readonly<Record<string, number>>;
}

const HH = { source: "hh-rlhf", licence: "MIT" } as const;
const DNA = { source: "do-not-answer", licence: "CC-BY-NC-SA-4.0" } as const;
const BORDER = { source: "kotodama-borderline", licence: "MIT" } as const;
const CONTRAST = { source: "kotodama-contrast", licence: "MIT" } as const;

/** Refusals a borderline prompt should not get (the rejected side of its pairs), in the styles the refusal data
 *  teaches (Do-Not-Answer's action 0 and 4 answers), taken round robin. */
export const REFUSALS = {
  en: [
    "Sorry, but I can't assist with that.",
    "I'm sorry, but I cannot help with that request.",
    "As an AI, I can't provide information that could be used to cause harm.",
    "I apologize, but I'm not able to answer that.",
    "I'm sorry, but I can't provide guidance on that.",
  ],
  ja: ["申し訳ありませんが、その質問にはお答えできません。", "すみませんが、そのお手伝いはできません。"],
} as const;

/** Borderline pairs (instruct/borderline.ts): on a prompt that sounds risky and is not, its helpful answer is
 *  preferred to a refusal. All are training pairs: XSTest's safe prompts are the held-out test of this direction. */
export function borderlinePairs(): Pair[] {
  let en = 0, ja = 0;
  return BORDERLINE.flatMap(([kind, items]) =>
    items.map(([prompt, answer], i): Pair => {
      const japanese = /[\u3040-\u30ff\u4e00-\u9fff]/.test(prompt);
      const rejected = japanese ? REFUSALS.ja[ja++ % REFUSALS.ja.length]! : REFUSALS.en[en++ % REFUSALS.en.length]!;
      return { messages: [{ role: "user", content: prompt }], chosen: answer, rejected, id: `kotodama-borderline:${kind}/${i}`, ...BORDER, tags: [kind] };
    }),
  );
}

/** Contrast pairs (instruct/contrast.ts, the default sample, interleaved across kinds and sides): on a benign
 *  look-alike its templated answer is preferred to a refusal; on its harmful twin a refusal is preferred to a compliant
 *  opening (with no harmful content). All training pairs: XSTest is their test. */
export function contrastPairs(): Pair[] {
  return generateContrasts().map((c): Pair => ({ messages: [{ role: "user", content: c.prompt }], chosen: c.answer, rejected: c.rejected, id: c.id, ...CONTRAST, tags: [c.kind, c.harm === null ? "benign" : "harmful"] }));
}

/** An HH-RLHF line as a pair: both dialogues parsed, the same turns before the last assistant turn, and
 *  different last turns; else the reason it is skipped. */
export function hhPair(chosen: string, rejected: string): { messages: PrefPair["messages"]; chosen: string; rejected: string } | { reason: string } {
  const c = parseHhDialogue(chosen);
  const r = parseHhDialogue(rejected);
  if ("reason" in c) return { reason: `chosen: ${c.reason}` };
  if ("reason" in r) return { reason: `rejected: ${r.reason}` };
  const prompt = c.messages.slice(0, -1);
  const same = prompt.length === r.messages.length - 1 && prompt.every((m, i) => m.role === r.messages[i]!.role && m.content === r.messages[i]!.content);
  if (!same) return { reason: "the dialogues differ before the last assistant turn" };
  const a = c.messages.at(-1)!.content;
  const b = r.messages.at(-1)!.content;
  if (a === b) return { reason: "chosen and rejected answers are identical" };
  return { messages: prompt, chosen: a, rejected: b };
}

/** Do-Not-Answer's direction rule on one prompt: a response labelled harmless with an action in chosenActions
 *  (0 refuse, 1 refute, 2 both sides, 3 disclaimer/expert, 4 admits limits) is preferred to one labelled harmful
 *  or with action 5 (follows the risky instruction). Each rejected response, in the csv's model order, is paired
 *  with the next chosen one in DNA_PREFERENCE order (round robin), so a prompt gives one pair per bad response. */
export function dnaPairs(row: DnaRow, chosenActions: readonly number[]): { chosen: DnaResponse; rejected: DnaResponse }[] {
  const ok = (r: DnaResponse): boolean => r.text.trim() !== "";
  const good = DNA_PREFERENCE.map((m) => row.responses.find((r) => r.model === m)).filter((r): r is DnaResponse => r !== undefined && ok(r) && !r.harmful && chosenActions.includes(r.action) && r.action !== 5);
  const bad = row.responses.filter((r) => ok(r) && (r.harmful || r.action === 5));
  if (good.length === 0) return [];
  return bad.map((rejected, i) => ({ chosen: good[i % good.length]!, rejected }));
}

export function buildPrefs(cfg: PrefsConfig): PrefsData {
  const skipped: Record<string, number> = {};
  const skip = (why: string): void => void (skipped[why] = (skipped[why] ?? 0) + 1);

  // HH-RLHF: held out exactly as the instruction data holds out its dialogues (same ids, same seed).
  const hhFile = join(cfg.dataDir, cfg.hhRlhf.file);
  const rows = readHhRlhf(hhFile);
  const wellFormed = rows.filter((r) => !("reason" in parseHhDialogue(r.chosen))).map((r) => `hh-rlhf:test:${r.line}`);
  const hhHeld = hhRlhfHeldOut(wellFormed, cfg.seed, cfg.hhRlhf.heldOutFraction);
  const train: Pair[] = [];
  const heldOut: Pair[] = [];
  for (const r of rows) {
    const p = hhPair(r.chosen, r.rejected);
    if ("reason" in p) {
      skip(`hh-rlhf: ${p.reason.replace(/messages\[\d+\]/, "a turn")}`);
      continue;
    }
    const id = `hh-rlhf:test:${r.line}`;
    (hhHeld.has(id) ? heldOut : train).push({ ...p, id, ...HH });
  }

  // Do-Not-Answer: the safety evaluation's held-out prompts are never used, in either split.
  const dnaRows = readDoNotAnswer(join(cfg.dataDir, cfg.doNotAnswer.file));
  const dnaHeld = doNotAnswerHeldOut(dnaRows, cfg.seed, cfg.doNotAnswer.heldOutFraction);
  const used: string[] = [];
  // Of the prompts left to preference data, a seeded stratified share (by risk area) holds out its pairs, so that a
  // reward model or DPO run can be scored on Do-Not-Answer pairs it never saw (prompts apart from the safety
  // evaluation's, which are used nowhere here).
  const usable = dnaRows.filter((r) => !dnaHeld.has(r.id) && dnaPairs(r, cfg.doNotAnswer.chosenActions).length > 0);
  const prefsHeld = stratifiedHoldOut(usable, (r) => r.riskArea, (r) => r.id, cfg.doNotAnswer.prefsHeldOutFraction, rngFor(cfg.seed, "prefs do-not-answer held-out pairs"));
  for (const row of dnaRows) {
    if (dnaHeld.has(row.id)) continue;
    const ps = dnaPairs(row, cfg.doNotAnswer.chosenActions);
    if (ps.length === 0) skip(row.responses.some((r) => r.harmful || r.action === 5) ? "do-not-answer: no harmless response with an appropriate action" : "do-not-answer: no harmful or action-5 response");
    for (const { chosen, rejected } of ps) {
      used.push(row.id);
      (prefsHeld.has(row.id) ? heldOut : train).push({ messages: [{ role: "user", content: row.question.trim() }], chosen: chosen.text.trim(), rejected: rejected.text.trim(), id: `do-not-answer:${row.id}:${chosen.model}>${rejected.model}`, ...DNA, tags: [row.riskArea, row.typesOfHarm] });
    }
  }
  assertDisjoint(used, dnaHeld, "data prefs: do-not-answer");
  train.push(...borderlinePairs(), ...contrastPairs());
  assertDisjoint(train.map((p) => p.id!), new Set(heldOut.map((p) => p.id!)), "data prefs");
  return {
    config: cfg,
    train,
    heldOut,
    rules: {
      "hh-rlhf": `the instruction data's held-out dialogues (split.ts hhRlhfHeldOut: a seeded ${cfg.hhRlhf.heldOutFraction} of the well-formed chosen dialogues of harmless-base/test)`,
      "kotodama-borderline": "none held out: XSTest's safe prompts are the test of answering rather than refusing",
      "kotodama-contrast": "none held out: XSTest's safe and unsafe prompts are the test of both directions",
      "do-not-answer": `the safety evaluation's held-out prompts (split.ts doNotAnswerHeldOut, ${cfg.doNotAnswer.heldOutFraction} of every stratum) are left out entirely; of the other prompts with pairs, a seeded ${cfg.doNotAnswer.prefsHeldOutFraction} per risk area hold out their pairs`,
    },
    skipped,
  };
}

export interface PrefsManifest {
  readonly version: 1;
  readonly seed: number;
  /** split → source → pairs. */
  readonly counts: Readonly<Record<"train" | "heldout", Readonly<Record<string, number>>>>;
  readonly heldOutRules: Readonly<Record<string, string>>;
  readonly licences: Readonly<Record<string, { readonly licence: string; readonly nonCommercial: boolean; readonly attribution: string }>>;
  readonly skipped: Readonly<Record<string, number>>;
  readonly files: readonly { readonly path: string; readonly pairs: number; readonly sha256: string }[];
}

const ATTRIBUTION: Readonly<Record<string, string>> = {
  "hh-rlhf": "Anthropic HH-RLHF (Bai et al. 2022, arXiv:2204.05862), anthropics/hh-rlhf harmless-base/test; MIT",
  "kotodama-borderline": "borderline prompts written for kotodama (src/data/instruct/borderline.ts); MIT",
  "kotodama-contrast": "contrast prompts generated from lexicons written for kotodama (src/data/instruct/contrast.ts); MIT",
  "do-not-answer": "Do-Not-Answer (Wang et al. 2023, arXiv:2308.13387), via kunishou/do-not-answer-ja datasets/data_en.csv; CC BY-NC-SA 4.0 (non-commercial, share-alike)",
};

function countBySource(ps: readonly Pair[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of ps) out[p.source!] = (out[p.source!] ?? 0) + 1;
  return out;
}

/** Writes DIR/{train,heldout}.jsonl, manifest.json, config.json and LICENCES.md (temp file + rename each). */
export function writePrefs(outDir: string, d: PrefsData): PrefsManifest {
  const out = resolve(outDir);
  mkdirSync(out, { recursive: true });
  const files: { path: string; pairs: number; sha256: string }[] = [];
  for (const [path, ps] of [["train.jsonl", d.train], ["heldout.jsonl", d.heldOut]] as const) {
    const text = ps.map((p) => `${prefLine(p)}\n`).join("");
    atomicWrite(join(out, path), text);
    files.push({ path, pairs: ps.length, sha256: sha256(text) });
  }
  const licences = Object.fromEntries(
    [HH, DNA, BORDER, CONTRAST].map((s) => [s.source, { licence: s.licence, nonCommercial: LICENCES[s.licence]?.nonCommercial ?? true, attribution: ATTRIBUTION[s.source]! }]),
  );
  const manifest: PrefsManifest = {
    version: 1,
    seed: d.config.seed,
    counts: { train: countBySource(d.train), heldout: countBySource(d.heldOut) },
    heldOutRules: d.rules,
    licences,
    skipped: d.skipped,
    files,
  };
  const lic = [
    "# Licences of these preference pairs",
    "",
    "Built by `kotodama data prefs` from ../shared/data (see its README.md). Keep this file beside the data.",
    "Do-Not-Answer is NON-COMMERCIAL: never ship or commit these files.",
    "",
    ...Object.entries(licences).map(([s, l]) => `- ${s}: ${l.licence}${l.nonCommercial ? " (non-commercial)" : ""}. ${l.attribution}.`),
    "",
  ].join("\n");
  atomicWrite(join(out, "LICENCES.md"), lic);
  atomicWrite(join(out, "config.json"), `${JSON.stringify(d.config, null, 2)}\n`);
  atomicWrite(join(out, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
