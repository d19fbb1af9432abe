// The prompt sets of the safety evaluation: Do-Not-Answer's held-out prompts (data/instruct/split.ts, all risky),
// XSTest's 250 safe + 200 unsafe prompts with their types, and a user's own JSONL set. Every bad row is named by
// file and line (or CSV record) and field. Not here: answering (run.ts), judging (judges.ts).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseCsv } from "../../data/csv.js";
import { readDoNotAnswer } from "../../data/instruct/sources.js";
import { doNotAnswerHeldOut, rngFor, shuffled } from "../../data/instruct/split.js";
import { INSTRUCT_DEFAULTS } from "../../data/instruct/config.js";
import { FormatError } from "../../util/errors.js";

export type SafetySet = "dna" | "xstest" | "custom";

export interface SafetyPrompt {
  readonly set: SafetySet;
  readonly id: string;
  readonly prompt: string;
  /** harmful: answering it fully would be unsafe (DNA, XSTest unsafe); benign: it should be answered (XSTest safe). */
  readonly label: "harmful" | "benign";
  /** DNA risk area, or the user's `area`. */
  readonly area?: string;
  /** DNA harm type. */
  readonly harmType?: string;
  /** XSTest prompt type (homonyms, figurative_language, …; contrast_* for the unsafe ones). */
  readonly type?: string;
}

/** The held-out Do-Not-Answer prompts (the project's 20 % split by prompt, seed and fraction of INSTRUCT_DEFAULTS). */
export function dnaHeldOutPrompts(dataDir: string): SafetyPrompt[] {
  const rows = readDoNotAnswer(join(dataDir, "do-not-answer", "do_not_answer_en.csv"));
  const held = doNotAnswerHeldOut(rows, INSTRUCT_DEFAULTS.seed, INSTRUCT_DEFAULTS.doNotAnswer.heldOutFraction);
  return rows.filter((r) => held.has(r.id)).map((r) => ({ set: "dna", id: r.id, prompt: r.question, label: "harmful", area: r.riskArea, harmType: r.typesOfHarm }));
}

/** XSTest's CSV text (id,prompt,type,label,…; label safe|unsafe). */
export function parseXstest(text: string, file: string): SafetyPrompt[] {
  const rows = parseCsv(text);
  const head = rows[0] ?? [];
  const col = (name: string): number => {
    const i = head.indexOf(name);
    if (i < 0) throw new FormatError(`${file}:1`, `missing column '${name}' (header: ${head.join(",")})`);
    return i;
  };
  const [cId, cP, cT, cL] = ["id", "prompt", "type", "label"].map(col) as [number, number, number, number];
  return rows.slice(1).map((r, i) => {
    const where = `${file}: record ${i + 1}`;
    if (r.length !== head.length) throw new FormatError(where, `has ${r.length} fields, the header has ${head.length}`);
    const label = r[cL]!;
    if (label !== "safe" && label !== "unsafe") throw new FormatError(where, `(id ${r[cId]}) field 'label' must be "safe" or "unsafe", got ${JSON.stringify(label)}`);
    if (r[cP]!.trim() === "") throw new FormatError(where, `(id ${r[cId]}) field 'prompt' is empty`);
    if (r[cT]!.trim() === "") throw new FormatError(where, `(id ${r[cId]}) field 'type' is empty`);
    return { set: "xstest", id: r[cId]!, prompt: r[cP]!, label: label === "safe" ? "benign" : "harmful", type: r[cT]! };
  });
}

export const readXstest = (dataDir: string): SafetyPrompt[] => {
  const file = join(dataDir, "xstest", "xstest_prompts.csv");
  return parseXstest(readFileSync(file, "utf8"), file);
};

/** A user's prompt set: one JSON object a line, {prompt, label: "harmful"|"benign", area?, id?} (id defaults to the
 *  line number). Blank lines are skipped. */
export function parsePromptsJsonl(text: string, file: string): SafetyPrompt[] {
  const out: SafetyPrompt[] = [];
  const ids = new Set<string>();
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const where = `${file}:${i + 1}`;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new FormatError(where, `not valid JSON: ${(e as Error).message}`);
    }
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new FormatError(where, "expected a JSON object {prompt, label, area?, id?}");
    const o = v as Record<string, unknown>;
    if (typeof o.prompt !== "string" || o.prompt.trim() === "") throw new FormatError(where, "field 'prompt' must be a non-empty string");
    if (o.label !== "harmful" && o.label !== "benign") throw new FormatError(where, `field 'label' must be "harmful" or "benign", got ${JSON.stringify(o.label)}`);
    if (o.area !== undefined && typeof o.area !== "string") throw new FormatError(where, "field 'area' must be a string when present");
    if (o.id !== undefined && typeof o.id !== "string" && typeof o.id !== "number") throw new FormatError(where, "field 'id' must be a string or a number when present");
    const id = o.id === undefined ? String(i + 1) : String(o.id);
    if (ids.has(id)) throw new FormatError(where, `id ${JSON.stringify(id)} repeats an earlier row's`);
    ids.add(id);
    out.push({ set: "custom", id, prompt: o.prompt, label: o.label, ...(typeof o.area === "string" ? { area: o.area } : {}) });
  });
  if (out.length === 0) throw new FormatError(file, "no prompts");
  return out;
}

export const readPromptsJsonl = (file: string): SafetyPrompt[] => parsePromptsJsonl(readFileSync(file, "utf8"), file);

/** At most n prompts of each (set, label) group, a seeded sample kept in file order (so `--limit 60` takes 60
 *  DNA prompts, 60 XSTest safe and 60 XSTest unsafe ones). */
export function limitPrompts(prompts: readonly SafetyPrompt[], n: number, seed: number): SafetyPrompt[] {
  const groups = new Map<string, number[]>();
  prompts.forEach((p, i) => groups.set(`${p.set}/${p.label}`, [...(groups.get(`${p.set}/${p.label}`) ?? []), i]));
  const keep = new Set<number>();
  for (const [key, idx] of groups) for (const i of shuffled(idx, rngFor(seed, `safety-limit-${key}`)).slice(0, n)) keep.add(i);
  return prompts.filter((_, i) => keep.has(i));
}
