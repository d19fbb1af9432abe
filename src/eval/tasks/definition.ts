// A zero/few-shot task as a file (tasks/*.json, docs/eval-tasks.md): what data it reads and which part of it is
// evaluated and which part the shots come from, the templates that turn a document into a context, choices and a
// target, and how a generation ends. Parsed once, strictly: unknown keys and wrong types are errors naming the file
// and the key; the file's SHA-256 goes into every results file. Not here: reading the data (docs.ts), rendering
// (template.ts), running (run.ts).
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { sha256 } from "../../data/files.js";
import { check, fail, isPlain } from "../../data/schema.js";
import { FormatError } from "../../util/errors.js";

export const TASK_KINDS = ["multiple_choice", "generate_until"] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

/** jsonl: one JSON object a line; squad: SQuAD v1.1 JSON, one document per question; cefr-sp: the public CEFR-SP
 *  parts (eval/cefr/data.ts); instruct: the instruction data's held-out and training examples of one task. */
export const DATA_FORMATS = ["jsonl", "squad", "cefr-sp", "instruct"] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

/** One split: a file (jsonl, squad; relative to the data folder), a split name (cefr-sp: train/dev/test; instruct:
 *  heldout/train), and a window [skip, skip + take) of its documents in file order. */
export interface SplitSpec {
  readonly path: string;
  readonly skip: number;
  readonly take: number | null;
}

export interface TaskTemplate {
  /** Printed once before the shots (may be ""). */
  readonly description: string;
  /** doc → the text the answer follows, e.g. "質問：{{question}}\n回答：". */
  readonly context: string;
  /** Multiple choice: one template per choice ("{{choice0}}"), or one naming a list field ("{{choices}}" with
   *  choicesField). Unused for generation. */
  readonly choices: readonly string[];
  /** A field holding the list of choices instead of `choices` (e.g. "levels"); "" when `choices` is used. */
  readonly choicesField: string;
  /** Multiple choice: the gold choice's index ("{{label}}") or its text; generation: the gold answer(s): a field of
   *  strings (e.g. "answers") or a template. */
  readonly target: string;
  /** Between context and answer (lm-eval's target_delimiter), e.g. " " or "". */
  readonly delimiter: string;
  /** After each solved shot (lm-eval's fewshot_delimiter), e.g. "\n\n". */
  readonly separator: string;
}

export interface GenerationSpec {
  readonly until: readonly string[];
  readonly maxTokens: number;
}

/** F1 over words (SQuAD's normalisation: lower case, no punctuation, no English articles) or over characters (the
 *  same normalisation, whitespace removed, then characters: JGLUE's JSQuAD scoring). */
export type F1Unit = "words" | "chars";

export interface TaskDefinition {
  readonly name: string;
  readonly description: string;
  readonly kind: TaskKind;
  readonly data: { readonly format: DataFormat; readonly instructTask: string; readonly eval: SplitSpec; readonly fewshot: SplitSpec | null };
  readonly template: TaskTemplate;
  readonly generation: GenerationSpec | null;
  readonly f1: F1Unit;
  /** The file it came from and its SHA-256 (what the results record). */
  readonly file: string;
  readonly sha256: string;
}

type Obj = Record<string, unknown>;

function keys(o: Obj, file: string, path: string, allowed: readonly string[], required: readonly string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(file, path === "" ? k : `${path}.${k}`, `is not a known key; expected one of: ${allowed.join(", ")}`);
  for (const k of required) if (!(k in o)) fail(file, path === "" ? k : `${path}.${k}`, "is required");
}
const str = (o: Obj, k: string, file: string, path: string, def?: string): string => {
  const v = o[k] ?? def;
  if (typeof v !== "string") fail(file, `${path}${k}`, `expects a string, got ${JSON.stringify(v)}`);
  return v;
};
const obj = (v: unknown, file: string, path: string): Obj => {
  if (!isPlain(v)) fail(file, path, `expects an object, got ${JSON.stringify(v)}`);
  return v;
};
function oneOf<T extends string>(v: string, list: readonly T[], file: string, path: string): T {
  if (!(list as readonly string[]).includes(v)) fail(file, path, `is ${JSON.stringify(v)}; expected one of: ${list.join(", ")}`);
  return v as T;
}
function count(o: Obj, k: string, file: string, path: string, def: number | null, min: number): number | null {
  const v = o[k];
  if (v === undefined || v === null) return def;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) fail(file, `${path}${k}`, `expects an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return v;
}

function split(v: unknown, file: string, path: string): SplitSpec {
  const o = obj(v, file, path);
  keys(o, file, path, ["path", "skip", "take"], ["path"]);
  return { path: str(o, "path", file, `${path}.`), skip: count(o, "skip", file, `${path}.`, 0, 0)!, take: count(o, "take", file, `${path}.`, null, 1) };
}

/** Parses a task definition from its JSON text; `file` names it in errors. */
export function parseTaskDefinition(text: string, file: string): TaskDefinition {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new FormatError(file, `not valid JSON: ${(e as Error).message}`);
  }
  const o = obj(raw, file, "");
  keys(o, file, "", ["name", "description", "kind", "data", "template", "generation", "f1"], ["name", "kind", "data", "template"]);
  const kind = oneOf(str(o, "kind", file, ""), TASK_KINDS, file, "kind");
  const d = obj(o.data, file, "data");
  keys(d, file, "data", ["format", "task", "eval", "fewshot"], ["format", "eval"]);
  const format = oneOf(str(d, "format", file, "data."), DATA_FORMATS, file, "data.format");
  const instructTask = str(d, "task", file, "data.", "");
  check(format !== "instruct" || instructTask !== "", file, "data.task", "is required with format instruct (e.g. \"cefr-level\")");
  const t = obj(o.template, file, "template");
  keys(t, file, "template", ["description", "context", "choices", "choicesField", "target", "delimiter", "separator"], ["context", "target"]);
  const choices = t.choices ?? [];
  if (!Array.isArray(choices) || choices.some((c) => typeof c !== "string")) fail(file, "template.choices", `expects an array of strings, got ${JSON.stringify(choices)}`);
  const template: TaskTemplate = {
    description: str(t, "description", file, "template.", ""), context: str(t, "context", file, "template."), choices: choices as string[],
    choicesField: str(t, "choicesField", file, "template.", ""), target: str(t, "target", file, "template."),
    delimiter: str(t, "delimiter", file, "template.", " "), separator: str(t, "separator", file, "template.", "\n\n"),
  };
  if (kind === "multiple_choice") check((template.choices.length >= 2) !== (template.choicesField !== ""), file, "template.choices", "a multiple-choice task needs either at least two choice templates or choicesField (not both)");
  let generation: GenerationSpec | null = null;
  if (kind === "generate_until") {
    const g = obj(o.generation, file, "generation");
    keys(g, file, "generation", ["until", "maxTokens"], ["until", "maxTokens"]);
    const until = g.until;
    if (!Array.isArray(until) || until.some((s) => typeof s !== "string" || s === "")) fail(file, "generation.until", `expects an array of non-empty strings, got ${JSON.stringify(until)}`);
    generation = { until: until as string[], maxTokens: count(g, "maxTokens", file, "generation.", null, 1)! };
  } else if (o.generation !== undefined) fail(file, "generation", "is only for kind generate_until");
  return {
    name: str(o, "name", file, ""), description: str(o, "description", file, "", ""), kind,
    data: { format, instructTask, eval: split(d.eval, file, "data.eval"), fewshot: d.fewshot === undefined || d.fewshot === null ? null : split(d.fewshot, file, "data.fewshot") },
    template, generation, f1: oneOf(str(o, "f1", file, "", "words"), ["words", "chars"] as const, file, "f1"),
    file: basename(file), sha256: sha256(text),
  };
}

export function readTaskDefinition(file: string): TaskDefinition {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new FormatError(file, `cannot read the task file: ${(e as Error).message}`);
  }
  return parseTaskDefinition(text, file);
}
