// The labelled sets the filters are measured on, and their scores: line-labelled web pages (boilerplate), spam
// documents (quality), profane/clean texts (toxicity), all in tests/fixtures/data, plus the clean shared corpora
// (Aozora paragraphs, TinyStories stories) with the calibration / held-out split used in docs/data.md.
// Not here: the filters themselves, or printing (bench/data-filters.ts); tests and the bench share these.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { KotodamaError } from "../util/errors.js";
import { normalizeText } from "./normalize.js";
import type { BoilerplateFilter } from "./boilerplate.js";

const readJsonl = (file: string): unknown[] =>
  readFileSync(file, "utf8")
    .split("\n")
    .map((l, i) => [l, i + 1] as const)
    .filter(([l]) => l.trim() !== "")
    .map(([l, n]) => {
      try {
        return JSON.parse(l) as unknown;
      } catch {
        throw new KotodamaError(`${file}:${n}: not JSON`);
      }
    });

export interface LabelledPage {
  readonly id: string;
  readonly lines: readonly { readonly remove: boolean; readonly text: string }[];
}

/** A boilerplate fixture: one page a line, {"id", "lang", "lines": [["keep" | "remove", text], …]}. */
export function readLabelledPages(file: string): LabelledPage[] {
  return readJsonl(file).map((r, i) => {
    const rec = r as { id?: unknown; lines?: unknown };
    if (typeof rec.id !== "string" || !Array.isArray(rec.lines)) throw new KotodamaError(`${file}:${i + 1}: expected {"id": string, "lines": [[label, text], …]}`);
    const lines = rec.lines.map((x: unknown, j) => {
      if (!Array.isArray(x) || (x[0] !== "keep" && x[0] !== "remove") || typeof x[1] !== "string") throw new KotodamaError(`${file}:${i + 1}: lines[${j}] must be ["keep" | "remove", text]`);
      return { remove: x[0] === "remove", text: x[1] as string };
    });
    return { id: rec.id, lines };
  });
}

export interface LineScore {
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly tn: number;
  readonly precision: number;
  readonly recall: number;
  /** Lines wrongly removed / wrongly kept, for the report. */
  readonly errors: readonly string[];
}

/** Precision and recall of line removal over labelled pages (each page cleaned as a document of `source`). */
export function scoreBoilerplate(filter: BoilerplateFilter, pages: readonly LabelledPage[], source: string): LineScore {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  const errors: string[] = [];
  for (const p of pages) {
    const r = filter.clean(p.lines.map((l) => l.text).join("\n"), source);
    const removed = new Set(r.removed.map((x) => x.line));
    for (const l of p.lines) {
      const rm = removed.has(l.text);
      if (l.remove && rm) tp++;
      else if (l.remove) {
        fn++;
        errors.push(`kept ${p.id}: ${l.text}`);
      } else if (rm) {
        fp++;
        errors.push(`removed ${p.id}: ${l.text}`);
      } else tn++;
    }
  }
  return { tp, fp, fn, tn, precision: tp + fp === 0 ? 1 : tp / (tp + fp), recall: tp + fn === 0 ? 1 : tp / (tp + fn), errors };
}

/** Texts of a JSONL fixture whose records hold a "text" field, with the record's `key` field (kind or label). */
export function readLabelledTexts(file: string, key: string): { readonly label: string; readonly text: string }[] {
  return readJsonl(file).map((r, i) => {
    const rec = r as Record<string, unknown>;
    if (typeof rec.text !== "string" || typeof rec[key] !== "string") throw new KotodamaError(`${file}:${i + 1}: expected {"${key}": string, "text": string}`);
    return { label: rec[key], text: rec.text };
  });
}

/** Aozora paragraphs (lines of the clean works, normalised) of at least minChars characters, split by work: works
 *  at even positions in name order calibrate the rules, works at odd positions are held out. */
export function aozoraParagraphs(cleanDir: string, minChars: number): { readonly calibration: string[]; readonly heldOut: string[] } {
  const out = { calibration: [] as string[], heldOut: [] as string[] };
  readdirSync(cleanDir)
    .filter((f) => f.endsWith(".txt"))
    .sort()
    .forEach((f, k) => {
      for (const line of readFileSync(join(cleanDir, f), "utf8").split("\n")) {
        const t = normalizeText(line);
        if ([...t.trim()].length >= minChars) (k % 2 === 0 ? out.calibration : out.heldOut).push(t);
      }
    });
  return out;
}

/** TinyStories stories, normalised: the two text extracts calibrate (last, truncated story dropped), the 3,000
 *  stories of tiny-stories.json are held out. */
export function tinyStories(dir: string): { readonly calibration: string[]; readonly heldOut: string[] } {
  const calibration: string[] = [];
  for (const f of ["tinystories_sample.txt", "tinystories_10k.txt"]) {
    const parts = readFileSync(join(dir, f), "utf8").split("<|endoftext|>");
    parts.pop();
    for (const p of parts) {
      const t = normalizeText(p.trim());
      if (t !== "") calibration.push(t);
    }
  }
  const json = JSON.parse(readFileSync(join(dir, "tiny-stories.json"), "utf8")) as { texts: string[] };
  return { calibration, heldOut: json.texts.map((t) => normalizeText(t)) };
}
