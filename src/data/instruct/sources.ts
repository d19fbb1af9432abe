// Readers for the data sets in ../shared/data that instruction data is built from: each parses one upstream
// format into typed rows and throws a FormatError naming the file and line (CSV: record) on malformed input.
// Not here: prompts, tasks or splits (tasks.ts, derived.ts, split.ts).
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { basename, join } from "node:path";
import { FormatError } from "../../util/errors.js";
import { parseCsv } from "../csv.js";

function readText(file: string): string {
  if (!existsSync(file)) throw new FormatError(file, "not found");
  const buf = readFileSync(file);
  return (file.endsWith(".gz") ? gunzipSync(buf) : buf).toString("utf8");
}

/** Non-empty lines with their 1-based line numbers. */
function numberedLines(file: string): { line: number; text: string }[] {
  return readText(file)
    .split("\n")
    .map((text, i) => ({ line: i + 1, text: text.replace(/\r$/, "") }))
    .filter((l) => l.text.trim() !== "");
}

function jsonLines(file: string): { line: number; value: Record<string, unknown> }[] {
  return numberedLines(file).map(({ line, text }) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new FormatError(`${file}:${line}`, `not JSON (${(e as Error).message})`);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw new FormatError(`${file}:${line}`, "expected a JSON object");
    return { line, value: value as Record<string, unknown> };
  });
}

function str(v: Record<string, unknown>, key: string, where: string): string {
  const x = v[key];
  if (typeof x !== "string") throw new FormatError(where, `'${key}' must be a string, got ${JSON.stringify(x) ?? "undefined"}`);
  return x;
}

export interface SelfInstructTask {
  readonly id: string;
  readonly instruction: string;
  readonly instances: readonly { readonly input: string; readonly output: string }[];
  readonly line: number;
}

/** seed_tasks.jsonl / user_oriented_instructions.jsonl: {id, instruction, instances: [{input, output}]}. */
export function readSelfInstruct(file: string): SelfInstructTask[] {
  return jsonLines(file).map(({ line, value }) => {
    const where = `${file}:${line}`;
    const inst = value.instances;
    if (!Array.isArray(inst) || inst.length === 0) throw new FormatError(where, "'instances' must be a non-empty array");
    const instances = inst.map((x: unknown, i) => {
      if (x === null || typeof x !== "object" || Array.isArray(x)) throw new FormatError(where, `instances[${i}] must be an object {input, output}`);
      const o = x as Record<string, unknown>;
      return { input: str(o, "input", `${where}: instances[${i}]`), output: str(o, "output", `${where}: instances[${i}]`) };
    });
    return { id: str(value, "id", where), instruction: str(value, "instruction", where), instances, line };
  });
}

export interface CefrRow {
  readonly sentence: string;
  readonly a: number;
  readonly b: number;
  readonly line: number;
}

/** CEFR-SP: "sentence \t levelA \t levelB", levels 1..6 (A1..C2), no header. */
export function readCefr(file: string): CefrRow[] {
  return numberedLines(file).map(({ line, text }) => {
    const cols = text.split("\t");
    const lvl = (s: string | undefined): number => (s !== undefined && /^[1-6]$/.test(s.trim()) ? Number(s) : NaN);
    const a = lvl(cols[1]);
    const b = lvl(cols[2]);
    if (cols.length !== 3 || cols[0]!.trim() === "" || Number.isNaN(a) || Number.isNaN(b)) throw new FormatError(`${file}:${line}`, "expected 'sentence<TAB>level_A<TAB>level_B' with levels 1..6");
    return { sentence: cols[0]!.trim(), a, b, line };
  });
}

export interface AssetRow {
  /** 1-based line in asset.<split>.orig. */
  readonly line: number;
  readonly original: string;
  /** The 10 references, simp.0 … simp.9. */
  readonly references: readonly string[];
}

/** ASSET: asset.<split>.orig and asset.<split>.simp.0..9, line i of each matching; counts must agree. */
export function readAsset(dir: string, split: "valid" | "test"): AssetRow[] {
  const read = (f: string): string[] => {
    const t = readText(join(dir, f));
    return t.replace(/\n$/, "").split("\n");
  };
  const orig = read(`asset.${split}.orig`);
  const simps = Array.from({ length: 10 }, (_, k) => read(`asset.${split}.simp.${k}`));
  simps.forEach((s, k) => {
    if (s.length !== orig.length) throw new FormatError(join(dir, `asset.${split}.simp.${k}`), `has ${s.length} lines, asset.${split}.orig has ${orig.length}`);
  });
  return orig.map((o, i) => {
    const refs = simps.map((s) => s[i]!.trim());
    if (o.trim() === "" || refs.some((r) => r === "")) throw new FormatError(`${join(dir, `asset.${split}.orig`)}:${i + 1}`, "empty original or reference");
    return { line: i + 1, original: o.trim(), references: refs };
  });
}

export const DNA_MODELS = ["GPT4", "ChatGPT", "Claude", "ChatGLM2", "llama2-7b-chat", "vicuna-7b"] as const;

export interface DnaResponse {
  readonly model: (typeof DNA_MODELS)[number];
  readonly text: string;
  readonly harmful: boolean;
  readonly action: number;
}

export interface DnaRow {
  readonly id: string;
  readonly riskArea: string;
  readonly typesOfHarm: string;
  readonly specificHarms: string;
  readonly question: string;
  /** Empty when the file is do_not_answer_en.csv (prompts only). */
  readonly responses: readonly DnaResponse[];
}

/** Do-Not-Answer data_en.csv (prompts + 6 labelled responses) or do_not_answer_en.csv (prompts). */
export function readDoNotAnswer(file: string): DnaRow[] {
  const rows = parseCsv(readText(file));
  const head = rows[0] ?? [];
  const col = (name: string): number => {
    const i = head.indexOf(name);
    if (i < 0) throw new FormatError(`${file}:1`, `missing column '${name}' (header: ${head.join(",")})`);
    return i;
  };
  const [cId, cRisk, cType, cSpec, cQ] = ["id", "risk_area", "types_of_harm", "specific_harms", "question"].map(col) as [number, number, number, number, number];
  const withResponses = head.includes("GPT4_response");
  const rcols = withResponses ? DNA_MODELS.map((m) => [m, col(`${m}_response`), col(`${m}_harmful`), col(`${m}_action`)] as const) : [];
  return rows.slice(1).map((r, i) => {
    // CSV cells span lines, so errors name the record (the header is record 0) and the id.
    const where = `${file}: record ${i + 1}`;
    if (r.length !== head.length) throw new FormatError(where, `has ${r.length} fields, the header has ${head.length}`);
    const id = r[cId]!;
    if (!/^\d+$/.test(id)) throw new FormatError(where, `'id' must be an integer, got ${JSON.stringify(id)}`);
    const responses = rcols.map(([model, cr, ch, ca]): DnaResponse => {
      const h = r[ch]!;
      const a = r[ca]!;
      if (!/^[01]$/.test(h)) throw new FormatError(where, `(id ${id}) field '${model}_harmful' must be 0 or 1, got ${JSON.stringify(h)}`);
      if (!/^[0-5]$/.test(a)) throw new FormatError(where, `(id ${id}) field '${model}_action' must be an integer 0..5, got ${JSON.stringify(a)}`);
      if (r[cr]!.trim() === "") throw new FormatError(where, `(id ${id}) field '${model}_response' is empty`);
      return { model, text: r[cr]!, harmful: h === "1", action: Number(a) };
    });
    return { id, riskArea: r[cRisk]!, typesOfHarm: r[cType]!, specificHarms: r[cSpec]!, question: r[cQ]!, responses };
  });
}

export interface HhRow {
  readonly line: number;
  readonly chosen: string;
}

/** HH-RLHF {"chosen", "rejected"} JSON lines (gzipped or not); only "chosen" is kept. */
export function readHhRlhf(file: string): HhRow[] {
  return jsonLines(file).map(({ line, value }) => ({ line, chosen: str(value, "chosen", `${file}:${line}`) }));
}

/** TinyStories train extracts: stories separated by a "<|endoftext|>" line; the last piece is cut off by the
 *  extract (CORPORA.md) and dropped. Returns [story index, text]. */
export function readStoriesEot(file: string): { index: number; text: string }[] {
  const pieces = readText(file).split("<|endoftext|>");
  return pieces
    .slice(0, -1)
    .map((p, index) => ({ index, text: p.trim() }))
    .filter((s) => s.text !== "");
}

/** tinystories_val.txt has no story boundaries (CORPORA.md); a story is taken to start at a paragraph that opens
 *  with "Once upon a time" or "Once there" (784 of its 4,300 paragraphs). A heuristic: a story opening otherwise
 *  is merged into the previous one. The first piece (cut mid-story) and the last (maybe cut) are dropped. */
export function readStoriesVal(file: string): { index: number; text: string }[] {
  const paras = readText(file).split(/\n\n+/).map((p) => p.trim()).filter((p) => p !== "");
  const stories: string[][] = [];
  for (const p of paras) {
    if (/^(Once upon a time|Once there)/.test(p) || stories.length === 0) stories.push([p]);
    else stories[stories.length - 1]!.push(p);
  }
  return stories.slice(1, -1).map((s, index) => ({ index: index + 1, text: s.join("\n") }));
}

export interface AozoraWork {
  readonly file: string;
  readonly title: string;
  /** Paragraphs (lines of clean/ with the full-width indent removed), with 1-based line numbers. */
  readonly paragraphs: readonly { readonly line: number; readonly text: string }[];
}

/** aozora/clean/*.txt, titles from aozora/manifest.tsv (file → title) when present. */
export function readAozora(dir: string): AozoraWork[] {
  const titles = new Map<string, string>();
  const man = join(dir, "manifest.tsv");
  if (existsSync(man)) for (const l of readText(man).split("\n").slice(1)) if (l.includes("\t")) titles.set(l.split("\t")[0]!, l.split("\t")[1]!);
  const clean = join(dir, "clean");
  return readdirSync(clean)
    .filter((f) => f.endsWith(".txt"))
    .sort()
    .map((f) => ({
      file: f,
      title: titles.get(f) ?? basename(f, ".txt"),
      paragraphs: readText(join(clean, f))
        .split("\n")
        .map((t, i) => ({ line: i + 1, text: t.replace(/^[\u3000 ]+/, "").trimEnd() }))
        .filter((p) => p.text !== ""),
    }));
}
