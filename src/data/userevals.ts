// The user's own evaluation files for decontamination (`--decontaminate FILE`, `decontaminate.files`), and the one
// labelled n-gram set of every evaluation text the dedup step matches against (built-in sets + user files).
// Not here: the built-in sets (evalsets.ts) or n-gram matching (decontaminate.ts).
//
// A user's file is read whole (benchmarks are small) and, unlike corpus input, strictly: a line that is not JSON,
// an item without the asked fields, invalid UTF-8 or an empty file is an error naming the file and line, because a
// benchmark silently half-read would leave contamination in. Formats, by suffix (.gz and .zst are decompressed):
//   .jsonl / .ndjson  one JSON value per line;  .json  an array of items (or one item);
//   .csv (RFC 4180) / .tsv  a header row, then one item per row;  anything else  plain text, one item per line.
// An item's texts are its `fields` (dotted paths; an array of strings, like a list of answer choices, gives each
// string), or with no fields every string inside it (every column of a CSV/TSV row).
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { basename, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { decompress } from "fzstd";
import { FormatError } from "../util/errors.js";
import { parseCsv } from "./csv.js";
import { compressionOf, withoutCompression } from "./decompress.js";
import { firstInvalidUtf8, guessEncoding, lineAt } from "./encoding.js";
import { loadEvalSets } from "./evalsets.js";
import { NgramSet, type DecontaminateConfig } from "./decontaminate.js";

/** One evaluation text and where it came from (1-based line, or CSV row). */
export interface UserEvalText {
  readonly text: string;
  readonly line: number;
}

/** Every string inside a JSON value, in document order. */
function strings(v: unknown, out: string[]): void {
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v !== null && typeof v === "object") for (const x of Object.values(v)) strings(x, out);
}

/** The value at a dotted path, or undefined. */
function at(v: unknown, path: string): unknown {
  let cur = v;
  for (const k of path.split(".")) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function itemTexts(item: unknown, fields: readonly string[], where: string, file: string): string[] {
  const out: string[] = [];
  if (fields.length === 0) strings(item, out);
  else
    for (const f of fields) {
      const v = at(item, f);
      if (typeof v === "string") out.push(v);
      else if (Array.isArray(v)) for (const x of v) if (typeof x === "string") out.push(x);
    }
  if (out.length === 0) {
    const want = fields.length === 0 ? "no string value" : `no string field ${fields.map((f) => `'${f}'`).join(" or ")} (decontaminate.fields / --decontaminate-field)`;
    throw new FormatError(file, `${where}: ${want}`);
  }
  return out;
}

/** Reads one user evaluation file into texts; see the header comment. `shown` names the file in errors. */
export function loadUserEvalFile(path: string, fields: readonly string[], shown = path): UserEvalText[] {
  let bytes: Buffer;
  try {
    const raw = readFileSync(path);
    const c = compressionOf(path);
    bytes = c === "gzip" ? gunzipSync(raw) : c === "zstd" ? Buffer.from(decompress(raw)) : raw;
  } catch (e) {
    throw new FormatError(shown, `cannot read evaluation file (decontaminate.files): ${(e as Error).message}`);
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    const guess = guessEncoding(bytes);
    const hint = guess !== null && guess !== "utf-8" ? `; it looks like ${guess}: convert it to UTF-8 first (iconv -f ${guess} -t utf-8)` : "";
    throw new FormatError(shown, `line ${lineAt(bytes, bad)}: not UTF-8 (byte ${bad})${hint}`);
  }
  const text = bytes.toString("utf8").replace(/^\ufeff/, "");
  const name = withoutCompression(basename(path)).toLowerCase();
  const out: UserEvalText[] = [];
  const push = (texts: string[], line: number): void => {
    for (const t of texts) if (t.trim() !== "") out.push({ text: t, line });
  };
  if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
    text.split("\n").forEach((l, i) => {
      if (l.trim() === "") return;
      let v: unknown;
      try {
        v = JSON.parse(l);
      } catch (e) {
        throw new FormatError(shown, `line ${i + 1}: not JSON (${(e as Error).message})`);
      }
      push(itemTexts(v, fields, `line ${i + 1}`, shown), i + 1);
    });
  } else if (name.endsWith(".json")) {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      throw new FormatError(shown, `not JSON (${(e as Error).message})`);
    }
    const items = Array.isArray(v) ? v : [v];
    items.forEach((item, i) => push(itemTexts(item, fields, `item ${i}`, shown), 0));
  } else if (name.endsWith(".csv") || name.endsWith(".tsv")) {
    const rows = name.endsWith(".csv") ? parseCsv(text) : text.split("\n").filter((l) => l.trim() !== "").map((l) => l.replace(/\r$/, "").split("\t"));
    const header = rows[0] ?? [];
    // The fields present as columns (fields name the text of every file, so one file may lack some of them).
    const cols = fields.length === 0 ? header.map((_, i) => i) : fields.map((f) => header.indexOf(f)).filter((i) => i >= 0);
    if (cols.length === 0) throw new FormatError(shown, `line 1: no column ${fields.map((m) => `'${m}'`).join(" or ")} in the header (${header.join(", ")}); decontaminate.fields / --decontaminate-field`);
    rows.slice(1).forEach((r, i) => push(cols.map((c) => r[c] ?? ""), i + 2));
  } else {
    text.split("\n").forEach((l, i) => push([l.replace(/\r$/, "")], i + 1));
  }
  if (out.length === 0) throw new FormatError(shown, "evaluation file holds no text (decontaminate.files)");
  return out;
}

/** Every evaluation text in one n-gram set, tagged by label; `labels[tag]` names a match's origin: "eval-ngram"
 *  for the built-in sets (as before), "eval-file:NAME" for a user's file. */
export interface EvalNgrams {
  readonly set: NgramSet;
  readonly labels: readonly string[];
  /** Evaluation texts per label. */
  readonly texts: Readonly<Record<string, number>>;
}

/** Builds the evaluation n-grams: the built-in sets from evalDir (skipped when null, or when none are asked for)
 *  and the user's files (absolute paths, shown as given in the config). null when there is nothing to match. */
export function buildEvalNgrams(cfg: DecontaminateConfig, evalDir: string | null, userFiles: readonly { readonly path: string; readonly shown: string }[]): EvalNgrams | null {
  const set = new NgramSet();
  const labels: string[] = [];
  const texts: Record<string, number> = {};
  if (evalDir !== null && cfg.evalSets.length > 0) {
    labels.push("eval-ngram");
    const all = loadEvalSets(evalDir, cfg.evalSets);
    for (const e of all) set.add(e.text, cfg.ngram, cfg.minEvalUnits, 0);
    texts["eval-ngram"] = all.length;
  }
  for (const f of userFiles) {
    const label = `eval-file:${f.shown}`;
    const tag = labels.length;
    labels.push(label);
    const all = loadUserEvalFile(f.path, cfg.fields, f.shown);
    for (const e of all) set.add(e.text, cfg.ngram, cfg.minEvalUnits, tag);
    texts[label] = all.length;
  }
  return labels.length === 0 ? null : { set, labels, texts };
}

/** The user's evaluation files resolved against the config's folder, each read and parsed once up front so that a
 *  bad file fails the run before hours of cleaning, with a hash of its bytes for the cache key. */
export function resolveUserEvalFiles(cfg: DecontaminateConfig & { readonly enabled: boolean }, baseDir: string): { readonly path: string; readonly shown: string; readonly sha256: string }[] {
  if (!cfg.enabled) return [];
  return cfg.files.map((shown) => {
    const path = resolve(baseDir, shown);
    loadUserEvalFile(path, cfg.fields, shown);
    return { path, shown, sha256: createHash("sha256").update(readFileSync(path)).digest("hex") };
  });
}
