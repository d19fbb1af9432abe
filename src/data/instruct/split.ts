// Which examples are held out: seeded random streams per purpose, the stratified hold-out (Do-Not-Answer), the
// disjointness assertion, and splits.json (every held-out set declared in one place) with its reader.
// Not here: parsing the data sets (sources.ts) or writing files (writer.ts).
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../../util/rng.js";
import { FormatError, KotodamaError } from "../../util/errors.js";
import { defaultDataDir } from "../../pull/locate.js";
import { INSTRUCT_DEFAULTS } from "./config.js";
import { readDoNotAnswer } from "./sources.js";

/** An Rng for one purpose ("asset-reference", "dna-heldout", …): streams for different purposes are unrelated,
 *  so adding a source does not change the choices made for another. */
export function rngFor(seed: number, purpose: string): Rng {
  const d = createHash("sha256").update(`${seed}\u0000${purpose}`).digest();
  return new Rng(d.readUInt32LE(0) * 2097152 + (d.readUInt32LE(4) >>> 11));
}

/** Fisher–Yates on a copy. */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Holds out round(fraction × n) items of every stratum (Math.round: 0.5 rounds up), picked by a seeded shuffle
 *  of the stratum. Strata are visited in sorted order so that the result does not depend on input order. */
export function stratifiedHoldOut<T>(items: readonly T[], stratum: (x: T) => string, id: (x: T) => string, fraction: number, rng: Rng): Set<string> {
  const groups = new Map<string, T[]>();
  for (const x of items) {
    const k = stratum(x);
    const g = groups.get(k);
    if (g === undefined) groups.set(k, [x]);
    else g.push(x);
  }
  const held = new Set<string>();
  for (const k of [...groups.keys()].sort()) {
    const g = [...groups.get(k)!].sort((a, b) => (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0));
    for (const x of shuffled(g, rng).slice(0, Math.round(fraction * g.length))) held.add(id(x));
  }
  return held;
}

/** Throws when an id is in both sets, naming up to five. */
export function assertDisjoint(train: Iterable<string>, heldOut: ReadonlySet<string>, what: string): void {
  const both: string[] = [];
  for (const id of train) if (heldOut.has(id)) both.push(id);
  if (both.length > 0) throw new KotodamaError(`${what}: ${both.length} id(s) are both trained on and held out: ${both.slice(0, 5).join(", ")}`);
}

export interface HeldOutSet {
  readonly source: string;
  readonly task: string;
  /** heldout/<task>.jsonl, relative to the output folder. */
  readonly file: string;
  /** How the set was chosen, in words. */
  readonly rule: string;
  /** Ids inside the source (the part of the example id after "<source>:"), sorted. */
  readonly ids: readonly string[];
}

export interface SplitsFile {
  readonly version: 1;
  readonly seed: number;
  readonly heldOut: readonly HeldOutSet[];
}

/** Reads DIR/splits.json written by `kotodama data instruct`. */
export function readSplits(outDir: string): SplitsFile {
  const file = join(outDir, "splits.json");
  if (!existsSync(file)) throw new FormatError(file, "not found (run `kotodama data instruct --out DIR` first)");
  const v: unknown = JSON.parse(readFileSync(file, "utf8"));
  if (v === null || typeof v !== "object" || !("heldOut" in v) || !Array.isArray(v.heldOut)) throw new FormatError(file, "expected {version, seed, heldOut: [...]}");
  // Shape checked at the top level; the file is ours (writer.ts) and versioned.
  return v as SplitsFile;
}

/** The Do-Not-Answer prompt ids (the csv's `id` column) held out for the safety evaluation: a stratified
 *  (risk area × type of harm) 20 % under the fixed default seed. Deterministic, so the safety evaluation and
 *  the preference data can import it without a built folder; `kotodama data instruct` writes the same ids to
 *  splits.json (a test checks they agree). dataDir: ../shared/data by default. */
export function doNotAnswerHeldOutIds(dataDir: string | null = null, seed = INSTRUCT_DEFAULTS.seed, fraction = INSTRUCT_DEFAULTS.doNotAnswer.heldOutFraction): Set<number> {
  const dir = dataDir ?? defaultDataDir();
  if (dir === null) throw new KotodamaError("doNotAnswerHeldOutIds: ../shared/data is absent; pass dataDir");
  const rows = readDoNotAnswer(join(dir, "do-not-answer", "data_en.csv"));
  return new Set([...doNotAnswerHeldOut(rows, seed, fraction)].map(Number));
}

/** The stratified hold-out over parsed rows (ids as strings). */
export function doNotAnswerHeldOut(rows: readonly { readonly id: string; readonly riskArea: string; readonly typesOfHarm: string }[], seed: number, fraction: number): Set<string> {
  return stratifiedHoldOut(rows, (r) => `${r.riskArea}\u0000${r.typesOfHarm}`, (r) => r.id, fraction, rngFor(seed, "do-not-answer-heldout"));
}

/** The HH-RLHF harmless-base/test dialogues held out: a seeded shuffle's first round(fraction × n) of `ids`
 *  ("hh-rlhf:test:<line>" of the well-formed chosen dialogues, in file order). The instruction data and the
 *  preference data both call it, so a dialogue held out in one is held out in the other. */
export function hhRlhfHeldOut(ids: readonly string[], seed: number, fraction: number): Set<string> {
  return new Set(shuffled(ids, rngFor(seed, "hh-rlhf-heldout")).slice(0, Math.round(fraction * ids.length)));
}
