// The documents of a task's split, read from the data folder (../shared/data by default) in the task's format:
// JSON lines (JCommonsenseQA), SQuAD JSON flattened to one document per question (JSQuAD), the public CEFR-SP parts,
// or the instruction data's held-out / training examples of one task; then the split's window [skip, skip + take).
// Not here: what the fields mean to a task (its file's templates), sampling shots (fewshot.ts).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildInstructData } from "../../data/instruct/build.js";
import { INSTRUCT_DEFAULTS } from "../../data/instruct/config.js";
import type { SourceName } from "../../data/instruct/example.js";
import { FormatError, KotodamaError } from "../../util/errors.js";
import { LEVELS, loadCefrSp } from "../cefr/data.js";
import type { SplitSpec, TaskDefinition } from "./definition.js";
import type { Doc } from "./template.js";

function readJsonLines(file: string): Doc[] {
  const out: Doc[] = [];
  readText(file).split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new FormatError(`${file}:${i + 1}`, `not valid JSON: ${(e as Error).message}`);
    }
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new FormatError(`${file}:${i + 1}`, "expected a JSON object");
    out.push(v as Doc);
  });
  return out;
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new FormatError(file, `cannot read: ${(e as Error).message}`);
  }
}

interface SquadFile { data: { title: string; paragraphs: { context: string; qas: { id: string; question: string; answers: { text: string }[]; is_impossible?: boolean }[] }[] }[] }

/** SQuAD v1.1 JSON → one document per answerable question: title, context (as given), passage (the context after
 *  JSQuAD's "TITLE [SEP] " prefix), question, id, answers (all gold texts). */
function readSquad(file: string): Doc[] {
  let j: SquadFile;
  try {
    j = JSON.parse(readText(file)) as SquadFile;
  } catch (e) {
    throw new FormatError(file, `not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(j?.data)) throw new FormatError(file, "expected SQuAD JSON: { data: [{ title, paragraphs: [{ context, qas }] }] }");
  const out: Doc[] = [];
  for (const a of j.data) for (const p of a.paragraphs) {
    const sep = p.context.indexOf(" [SEP] ");
    for (const q of p.qas) {
      if (q.is_impossible === true || q.answers.length === 0) continue;
      out.push({ title: a.title, context: p.context, passage: sep >= 0 ? p.context.slice(sep + 7) : p.context, question: q.question, id: q.id, answers: q.answers.map((x) => x.text) });
    }
  }
  return out;
}

/** CEFR-SP sentences of one split (train/dev/test, both public parts): text, the annotators' levels a and b, the
 *  combined level (eval/cefr/data.ts: floor of the mean) as its name and index, and the six level names. */
function readCefrSplit(dataDir: string, name: string, file: string): Doc[] {
  if (name !== "train" && name !== "dev" && name !== "test") throw new FormatError(file, `data split path '${name}' of format cefr-sp must be train, dev or test`);
  return loadCefrSp(dataDir)[name].map((r) => ({ text: r.text, a: LEVELS[r.a]!, b: LEVELS[r.b]!, level: LEVELS[r.label]!, label: r.label, levels: [...LEVELS], part: r.part, line: r.line }));
}

/** The instruction data source each evaluated instruction task is built from. */
const INSTRUCT_SOURCE: Readonly<Record<string, SourceName>> = { "cefr-level": "cefr-sp", simplify: "asset", "story-words": "tinystories" };

/** Held-out ("heldout") or training ("train") examples of one instruction task, built from the data folder with the
 *  default instruction-data config (the same examples `kotodama data instruct` writes): instruction, answer, and
 *  answers (the held-out references when the example has them, else the answer). */
function readInstruct(dataDir: string, task: string, part: string, file: string): Doc[] {
  const source = INSTRUCT_SOURCE[task];
  if (source === undefined) throw new FormatError(file, `data.task '${task}' is not an evaluated instruction task; expected one of: ${Object.keys(INSTRUCT_SOURCE).join(", ")}`);
  if (part !== "heldout" && part !== "train") throw new FormatError(file, `data split path '${part}' of format instruct must be heldout or train`);
  const d = buildInstructData({ ...INSTRUCT_DEFAULTS, dataDir }, undefined, [source]);
  const list = part === "heldout" ? (d.heldOut.get(task as never) ?? []) : d.train.filter((e) => e.task === task);
  return list.map((e) => {
    const answer = e.messages[e.messages.length - 1]!.content.trim();
    return { instruction: (e.messages.find((m) => m.role === "user")?.content ?? "").trim(), answer, answers: e.references !== undefined && e.references.length > 0 ? [...e.references] : [answer] };
  });
}

/** All documents a split's path holds, before its window. */
function readAll(task: TaskDefinition, dataDir: string, s: SplitSpec): Doc[] {
  switch (task.data.format) {
    case "jsonl": return readJsonLines(join(dataDir, s.path));
    case "squad": return readSquad(join(dataDir, s.path));
    case "cefr-sp": return readCefrSplit(dataDir, s.path, task.file);
    case "instruct": return readInstruct(dataDir, task.data.instructTask, s.path, task.file);
  }
}

/** The documents of a split: its window of what its path holds. */
export function readSplit(task: TaskDefinition, dataDir: string, s: SplitSpec): Doc[] {
  const all = readAll(task, dataDir, s);
  if (s.skip >= all.length) throw new KotodamaError(`${task.file}: split ${s.path} has ${all.length} documents; skip ${s.skip} leaves none`);
  return all.slice(s.skip, s.take === null ? undefined : s.skip + s.take);
}

/** Throws when the shots could come from the evaluated documents: the same path with overlapping windows. */
export function checkDisjoint(task: TaskDefinition): void {
  const e = task.data.eval, f = task.data.fewshot;
  if (f === null || f.path !== e.path) return;
  const end = (s: SplitSpec): number => (s.take === null ? Infinity : s.skip + s.take);
  if (f.skip < end(e) && e.skip < end(f)) throw new KotodamaError(`${task.file}: data.fewshot and data.eval read the same ${e.path} with overlapping windows; shots must never come from the evaluated documents`);
}
