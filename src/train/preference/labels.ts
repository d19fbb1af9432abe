// Preference labels as JSON Lines: the record a person's choice becomes, and the --out file that holds them, read
// back to resume and rewritten whole (temp file, fsync, rename) on every change, so a crash leaves the old file or
// the new one and never a partial line.
// Not here: the pairs (pairs.ts), which pair comes next (session.ts), HTTP (server/label.ts).
import { existsSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { KotodamaError } from "../../util/errors.js";
import { writeAtomic } from "../checkpoint.js";
import { jsonlObjects, promptOf, type PairId, type PreferencePair, type Prompted } from "./pairs.js";

/** What the person pressed: the left answer (a) is better, the right one (b), both alike, or no judgement. */
export type Choice = "left" | "right" | "tie" | "skip";
export const CHOICES: readonly Choice[] = ["left", "right", "tie", "skip"];

/** One line of the --out file. chosen/rejected are the preferred and the other answer; for a tie or a skip they
 *  are the left and the right answer in that order, and `tie` / `skip` say so (a trainer drops those lines). */
export type PreferenceRecord = { readonly id: PairId } & Prompted & {
  readonly chosen: string;
  readonly rejected: string;
  readonly source: "label";
  readonly tags?: readonly string[];
  readonly tie?: true;
  readonly skip?: true;
};

/** The record for a choice on a pair (tags only when there are some). */
export function labelRecord(pair: PreferencePair, choice: Choice, tags: readonly string[] = []): PreferenceRecord {
  const [chosen, rejected] = choice === "right" ? [pair.b, pair.a] : [pair.a, pair.b];
  return {
    id: pair.id,
    ...promptOf(pair),
    chosen,
    rejected,
    source: "label",
    ...(tags.length > 0 ? { tags: [...tags] } : {}),
    ...(choice === "tie" ? { tie: true as const } : {}),
    ...(choice === "skip" ? { skip: true as const } : {}),
  };
}

const RECORD_KEYS = ["id", "prompt", "messages", "chosen", "rejected", "source", "tags", "tie", "skip"];

/** The --out file: its records in order, kept in memory and written whole on each change. */
export class LabelFile {
  private readonly records: PreferenceRecord[] = [];
  /** The records as lines (with "\n"), kept so that a save does not serialize every record again. */
  private readonly lines: string[] = [];

  /** Opens (or, when absent, starts) the file at `path`. Each line must be a record of a pair whose id is in
   *  `ids` (as JSON: "7", "\"q1\""), at most one per pair: an --out written for another --pairs file is
   *  refused, naming the line. */
  constructor(readonly path: string, ids: ReadonlySet<string>) {
    const dir = dirname(path);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new KotodamaError(`--out ${path}: the folder ${dir} does not exist`);
    if (!existsSync(path)) return;
    const seen = new Map<string, number>();
    for (const { ref, o } of jsonlObjects(path, "--out")) {
      for (const k of Object.keys(o)) if (!RECORD_KEYS.includes(k)) ref.fail(k, `unknown key in a label record (expected ${RECORD_KEYS.join(", ")})`);
      const key = JSON.stringify(o.id);
      if (!ids.has(key)) ref.fail("id", `${key ?? "nothing"} is not the id of any pair being labelled (is --out from another --pairs file?)`);
      const first = seen.get(key);
      if (first !== undefined) ref.fail("id", `a second label for ${key} (first on line ${first})`);
      seen.set(key, ref.line);
      if (o.source !== "label") ref.fail("source", `expected "label", got ${JSON.stringify(o.source)}`);
      ref.str(o, "chosen");
      ref.str(o, "rejected");
      const tags = o.tags ?? [];
      if (!Array.isArray(tags) || !tags.every((t) => typeof t === "string")) ref.fail("tags", "expected an array of strings");
      for (const k of ["tie", "skip"] as const) if (o[k] !== undefined && o[k] !== true) ref.fail(k, `expected true or no "${k}" key, got ${JSON.stringify(o[k])}`);
      this.records.push(o as PreferenceRecord);
      this.lines.push(`${JSON.stringify(o)}\n`);
    }
  }

  /** The records in the order they were made. */
  all(): readonly PreferenceRecord[] {
    return this.records;
  }

  /** Adds a record and rewrites the file (durable when this returns). */
  append(r: PreferenceRecord): void {
    this.records.push(r);
    this.lines.push(`${JSON.stringify(r)}\n`);
    try {
      this.save();
    } catch (e) {
      this.records.pop();
      this.lines.pop();
      throw new KotodamaError(`cannot write ${this.path} (${(e as Error).message})`);
    }
  }

  /** Removes the last record (undo) and rewrites the file; returns it, or null when there is none. */
  removeLast(): PreferenceRecord | null {
    const r = this.records.pop();
    if (r === undefined) return null;
    const line = this.lines.pop()!;
    try {
      this.save();
    } catch (e) {
      this.records.push(r);
      this.lines.push(line);
      throw new KotodamaError(`cannot write ${this.path} (${(e as Error).message})`);
    }
    return r;
  }

  private save(): void {
    const text = this.lines.join("");
    writeAtomic(this.path, (tmp) => writeFileSync(tmp, text));
  }
}
