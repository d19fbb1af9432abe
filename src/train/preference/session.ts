// One labelling session: where the pairs come from, the --out file, and which pair is next (the first one without
// a label, so a restart resumes where the person stopped); choices and undo go through here.
// Not here: reading files (pairs.ts, labels.ts), generating answers (sample.ts), HTTP (server/label.ts).
import { KotodamaError } from "../../util/errors.js";
import { CHOICES, labelRecord, LabelFile, type Choice } from "./labels.js";
import type { PairId, PreferencePair, PromptItem } from "./pairs.js";

/** Where the pairs come from: a --pairs file (all known at once) or a model generating answers ahead. */
export interface PairSource {
  /** Every prompt to label, in order, with its id. */
  readonly items: readonly PromptItem[];
  /** The pair at index i, or null while its answers are being generated. */
  pair(i: number): PreferencePair | null;
  /** The indices the person will label next, in order; a generating source works on them ahead of time. */
  prefetch(indices: readonly number[]): void;
  /** Why generation stopped, or null. */
  readonly error: string | null;
}

/** All pairs known up front (a --pairs file). */
export function pairsSource(pairs: readonly PreferencePair[]): PairSource {
  return { items: pairs, pair: (i) => pairs[i] ?? null, prefetch: () => {}, error: null };
}

/** A label for a pair that is not the current one (a second tab, a repeated key): HTTP 409. */
export class LabelConflict extends KotodamaError {
  override readonly name = "LabelConflict";
}

export interface LabelState {
  /** Pairs in all, and pairs with a record (skips included). */
  readonly total: number;
  readonly done: number;
  /** Records with a preferred answer, ties and skips. */
  readonly counts: { readonly preferred: number; readonly tie: number; readonly skip: number };
  /** The tags the person may attach (keys 1–9). */
  readonly tags: readonly string[];
  /** The first pair without a label: its index and, once its answers exist, the pair; null when all are done. */
  readonly current: { readonly index: number; readonly pair: PreferencePair | null } | null;
  readonly error: string | null;
  readonly out: string;
}

const idKey = (id: PairId): string => JSON.stringify(id);

export class LabelSession {
  private readonly file: LabelFile;
  private readonly labelled = new Set<string>();

  /** `ahead`: how many upcoming pairs a generating source prepares. */
  constructor(private readonly source: PairSource, out: string, readonly tags: readonly string[] = [], private readonly ahead = 3) {
    this.file = new LabelFile(out, new Set(source.items.map((p) => idKey(p.id))));
    for (const r of this.file.all()) this.labelled.add(idKey(r.id));
  }

  /** Indices of the next `n` pairs without a label, in order. */
  private upcoming(n: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.source.items.length && out.length < n; i++) if (!this.labelled.has(idKey(this.source.items[i]!.id))) out.push(i);
    return out;
  }

  state(): LabelState {
    const next = this.upcoming(this.ahead);
    this.source.prefetch(next);
    const counts = { preferred: 0, tie: 0, skip: 0 };
    for (const r of this.file.all()) counts[r.skip === true ? "skip" : r.tie === true ? "tie" : "preferred"]++;
    const i = next[0];
    return {
      total: this.source.items.length,
      done: this.labelled.size,
      counts,
      tags: this.tags,
      current: i === undefined ? null : { index: i, pair: this.source.pair(i) },
      error: this.source.error,
      out: this.file.path,
    };
  }

  /** Records a choice on the current pair. `id` must be the current pair's (else LabelConflict): a repeated key
   *  or a second tab cannot label a pair the person has not seen. */
  label(id: PairId, choice: Choice, tags: readonly string[] = []): LabelState {
    if (!CHOICES.includes(choice)) throw new KotodamaError(`label: choice must be one of ${CHOICES.join(", ")}, got ${JSON.stringify(choice)}`);
    for (const t of tags) if (!this.tags.includes(t)) throw new KotodamaError(`label: unknown tag ${JSON.stringify(t)} (tags: ${this.tags.join(", ") || "none"})`);
    const cur = this.state().current;
    if (cur === null) throw new LabelConflict("label: every pair is labelled");
    const curId = idKey(this.source.items[cur.index]!.id);
    if (curId !== idKey(id)) throw new LabelConflict(`label: pair ${idKey(id)} is not the current pair (${curId})`);
    if (cur.pair === null) throw new LabelConflict(`label: the answers of pair ${curId} are still being generated`);
    this.file.append(labelRecord(cur.pair, choice, [...new Set(tags)]));
    this.labelled.add(idKey(id));
    return this.state();
  }

  /** Removes the last label, so that its pair is shown again. */
  undo(): LabelState {
    const r = this.file.removeLast();
    if (r !== null) this.labelled.delete(idKey(r.id));
    return this.state();
  }
}
