// The prompt sets of the safety evaluation: Do-Not-Answer's held-out prompts (data/instruct/split.ts, all risky) in
// English or in Japanese (dna-ja.ts, keyed by id), XSTest's 250 safe + 200 unsafe prompts with their types, and a
// user's own JSONL set. Every bad row is named by file and line (or CSV record) and field. Not here: answering
// (run.ts), judging (judges.ts), the translations themselves (dna-ja.ts).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseCsv } from "../../data/csv.js";
import { readDoNotAnswer } from "../../data/instruct/sources.js";
import { doNotAnswerHeldOut, rngFor, shuffled } from "../../data/instruct/split.js";
import { INSTRUCT_DEFAULTS } from "../../data/instruct/config.js";
import { FormatError, KotodamaError } from "../../util/errors.js";
import { DNA_HELD_OUT_JA } from "./dna-ja.js";

export type SafetySet = "dna" | "xstest" | "custom";

/** The languages the Do-Not-Answer held-out prompts come in: the English original and kotodama's Japanese translation. */
export const PROMPT_LANGS = ["en", "ja"] as const;
export type PromptLang = (typeof PROMPT_LANGS)[number];

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
  /** The prompt's language, on Do-Not-Answer rows (the same id in two languages is the same prompt translated). */
  readonly lang?: PromptLang;
}

/** The held-out Do-Not-Answer prompts (the project's 20 % split by prompt, seed and fraction of INSTRUCT_DEFAULTS),
 *  in English or in kotodama's Japanese translation (dna-ja.ts: same ids, areas and harm types). */
export function dnaHeldOutPrompts(dataDir: string, lang: PromptLang = "en"): SafetyPrompt[] {
  const rows = readDoNotAnswer(join(dataDir, "do-not-answer", "do_not_answer_en.csv"));
  const held = doNotAnswerHeldOut(rows, INSTRUCT_DEFAULTS.seed, INSTRUCT_DEFAULTS.doNotAnswer.heldOutFraction);
  return rows.filter((r) => held.has(r.id)).map((r) => {
    const prompt = lang === "en" ? r.question : DNA_HELD_OUT_JA[r.id];
    // Only if the split or the CSV changed: the translations cover exactly today's 187 held-out ids (a test checks).
    if (prompt === undefined) throw new KotodamaError(`Do-Not-Answer held-out prompt ${r.id} has no Japanese translation in src/eval/safety/dna-ja.ts (has the split or ${dataDir}/do-not-answer changed?)`);
    return { set: "dna", id: r.id, prompt, label: "harmful", area: r.riskArea, harmType: r.typesOfHarm, lang };
  });
}

/** The held-out Do-Not-Answer prompts in each language asked for, language by language (parsePromptLangs). */
export const dnaHeldOutPromptsIn = (dataDir: string, langs: readonly PromptLang[]): SafetyPrompt[] => langs.flatMap((l) => dnaHeldOutPrompts(dataDir, l));

/** A comma-separated language list ("en", "ja", "en,ja"), checked: known languages, none repeated, not empty. */
export function parsePromptLangs(text: string, where: string): PromptLang[] {
  const parts = text.split(",").map((x) => x.trim());
  const out: PromptLang[] = [];
  for (const x of parts) {
    if (!(PROMPT_LANGS as readonly string[]).includes(x)) throw new KotodamaError(`${where}: expected a comma-separated list of ${PROMPT_LANGS.join(", ")}, got '${text}'`);
    if (out.includes(x as PromptLang)) throw new KotodamaError(`${where}: '${x}' is listed twice in '${text}'`);
    out.push(x as PromptLang);
  }
  return out;
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

/** At most n prompt ids of each (set, label) group, a seeded sample kept in file order (so `--limit 60` takes 60
 *  DNA prompts, 60 XSTest safe and 60 XSTest unsafe ones). The sample is of ids, so the same prompt in English and
 *  Japanese is kept or dropped together (a paired comparison); with one row per id it is the sample of rows. */
export function limitPrompts(prompts: readonly SafetyPrompt[], n: number, seed: number): SafetyPrompt[] {
  const groups = new Map<string, Set<string>>(); // a Set keeps first-seen order
  for (const p of prompts) {
    const key = `${p.set}/${p.label}`;
    groups.set(key, (groups.get(key) ?? new Set<string>()).add(p.id));
  }
  const keep = new Set<string>();
  for (const [key, ids] of groups) for (const id of shuffled([...ids], rngFor(seed, `safety-limit-${key}`)).slice(0, n)) keep.add(`${key}/${id}`);
  return prompts.filter((p) => keep.has(`${p.set}/${p.label}/${p.id}`));
}
