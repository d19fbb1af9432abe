// Retrieval evaluation sets built from ../shared (paths passed in): JSQuAD (Japanese) and an English set from
// ASSET's Wikipedia sentences. Each is passages with ids and queries with the id of the passage that answers them.
// Not here: running or scoring the searches (bench/rag.ts, metrics.ts).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FormatError } from "../util/errors.js";

export interface Passage {
  readonly id: string;
  readonly text: string;
}

export interface RetrievalSet {
  readonly name: string;
  readonly passages: readonly Passage[];
  readonly queries: readonly { readonly query: string; readonly gold: string }[];
}

export interface SquadFile {
  data: { title: string; paragraphs: { context: string; qas: { id: string; question: string; answers: { text: string }[] }[] }[] }[];
}

/** A JSON Lines file's objects with their 1-based line numbers (blank lines skipped); a line that is not JSON is a
 *  FormatError naming the file and line. Callers check the fields they read. */
export function jsonLines(file: string): { line: number; o: Record<string, unknown> }[] {
  const out: { line: number; o: Record<string, unknown> }[] = [];
  readFileSync(file, "utf8").split("\n").forEach((text, i) => {
    if (text.trim() === "") return;
    try {
      out.push({ line: i + 1, o: JSON.parse(text) as Record<string, unknown> });
    } catch (e) {
      throw new FormatError(file, `line ${i + 1}: not JSON (${(e as Error).message})`);
    }
  });
  return out;
}

/** A SQuAD-style JSON file (JSQuAD) with its top-level shape checked; the caller checks the fields it reads. */
export function readSquad(file: string): SquadFile {
  let json: SquadFile;
  try {
    json = JSON.parse(readFileSync(file, "utf8")) as SquadFile;
  } catch (e) {
    throw new FormatError(file, `not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(json.data)) throw new FormatError(file, "expected SQuAD-style { data: [...] }");
  return json;
}

/** JSQuAD v1.3 valid: every paragraph (context, "title [SEP] text" as JGLUE gives it) is a passage with id
 *  "<article>-<paragraph>" (0-based); every question is a query whose gold is its paragraph. */
export function jsquadSet(file: string): RetrievalSet {
  const json = readSquad(file);
  const passages: Passage[] = [];
  const queries: { query: string; gold: string }[] = [];
  json.data.forEach((article, a) => {
    article.paragraphs.forEach((p, i) => {
      const id = `${a}-${i}`;
      passages.push({ id, text: p.context });
      for (const q of p.qas) queries.push({ query: q.question, gold: id });
    });
  });
  return { name: "jsquad-v1.3-valid", passages, queries };
}

/** Sentences per English passage. */
export const ASSET_PASSAGE_SENTENCES = 4;

const lines = (file: string): string[] => readFileSync(file, "utf8").replace(/\n$/, "").split("\n");

/** Word-set Jaccard similarity of two English sentences (lowercase letter/digit runs). */
export function wordJaccard(a: string, b: string): number {
  const words = (s: string): Set<string> => new Set(s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
  const x = words(a);
  const y = words(b);
  let both = 0;
  for (const w of x) if (y.has(w)) both++;
  const union = x.size + y.size - both;
  return union === 0 ? 1 : both / union;
}

/** ASSET has 10 human simplifications per sentence (asset.<split>.simp.0 … simp.9). */
const ASSET_REFERENCES = 10;

/** English set from ASSET (dir = ../shared/data/asset): the original Wikipedia sentences of valid then test, in
 *  file order, grouped into passages of ASSET_PASSAGE_SENTENCES consecutive sentences (ids "valid-N"/"test-N",
 *  the last group of a split may be shorter). Each original sentence gives one query: of its 10 human
 *  simplifications, the one sharing the fewest words with it (lowest word-set Jaccard, first on ties), so the
 *  query is a rewording with as little lexical overlap as the references allow; its gold is the passage
 *  holding the original. */
export function assetSet(dir: string): RetrievalSet {
  const passages: Passage[] = [];
  const queries: { query: string; gold: string }[] = [];
  for (const split of ["valid", "test"]) {
    const orig = lines(join(dir, "dataset", `asset.${split}.orig`));
    const refs = Array.from({ length: ASSET_REFERENCES }, (_, r) => {
      const file = join(dir, "dataset", `asset.${split}.simp.${r}`);
      const l = lines(file);
      if (l.length !== orig.length) throw new FormatError(file, `${l.length} lines, expected ${orig.length} like .orig`);
      return l;
    });
    for (let s = 0; s < orig.length; s += ASSET_PASSAGE_SENTENCES) {
      passages.push({ id: `${split}-${s / ASSET_PASSAGE_SENTENCES}`, text: orig.slice(s, s + ASSET_PASSAGE_SENTENCES).join(" ") });
    }
    orig.forEach((o, i) => {
      let best = refs[0]?.[i] as string;
      let bestJ = wordJaccard(o, best);
      for (let r = 1; r < ASSET_REFERENCES; r++) {
        const j = wordJaccard(o, refs[r]?.[i] as string);
        if (j < bestJ) [best, bestJ] = [refs[r]?.[i] as string, j];
      }
      queries.push({ query: best, gold: `${split}-${Math.floor(i / ASSET_PASSAGE_SENTENCES)}` });
    });
  }
  return { name: "asset-en", passages, queries };
}
