// Canaries for measuring memorization (Carlini et al. 2019, "The Secret Sharer"): sentences with a random secret
// ("The secret code of Mika Sato is 418 302 557.") put into the pretraining token stream a given number of times,
// and as many controls of the same format that are never put in, so a model's preference for an inserted secret
// over random ones can be compared with its preference for a never-seen one. Not here: measuring exposure
// (safety/exposure.ts), the loop (train/).
//
// Insertion overwrites tokens of the training stream in place (the stream keeps its length, so the batch order of
// train/data.ts is unchanged): each copy starts at a random offset inside a distinct training window, never across
// a window boundary, after a separator token (the end-of-text id) so that it reads as a document start, which is
// the context the exposure probe gives it.
import { PIPELINE_DEFAULTS } from "./config.js";
import { Deduplicator, type DedupConfig } from "./dedup.js";
import { KotodamaError } from "../util/errors.js";
import { Rng } from "../util/rng.js";

export interface CanarySpec {
  /** Canaries put into the data (and as many controls that are not). */
  readonly count: number;
  /** Copies of each inserted canary. */
  readonly repeats: number;
  /** Digits of the secret: the randomness space has 10^digits members. */
  readonly digits: number;
  readonly seed: number;
}

export interface Canary {
  readonly id: string;
  /** The text before the secret ("The secret code of Mika Sato is "). */
  readonly prefix: string;
  /** The secret digits, grouped by three ("418 302 557"). */
  readonly secret: string;
  /** Copies in the training data: spec.repeats (or what deduplication left of them), 0 for a control. */
  readonly repeats: number;
  /** Never put into the data: the noise floor. */
  readonly control: boolean;
}

const GIVEN = ["Mika", "Kenji", "Aiko", "Hiroshi", "Yui", "Takumi", "Sakura", "Ren", "Emma", "Liam", "Olivia", "Noah", "Ava", "Lucas", "Mia", "Ethan"];
const FAMILY = ["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Smith", "Jones", "Brown", "Taylor", "Wilson", "Evans", "Walker", "Wright"];

/** Digits grouped by three from the left, as people write long numbers ("418 302 557", "41 830"). */
export function groupDigits(d: string): string {
  return d.replace(/\B(?=(\d{3})+(?!\d))/g, " ");
}

/** A random secret of `digits` digits (leading zeros allowed), grouped. */
export function randomSecret(rng: Rng, digits: number): string {
  let s = "";
  for (let i = 0; i < digits; i++) s += String(rng.nextU32() % 10);
  return groupDigits(s);
}

/** spec.count inserted canaries then spec.count controls, each with its own name in the prefix. */
export function makeCanaries(spec: CanarySpec): Canary[] {
  if (!Number.isInteger(spec.count) || spec.count < 1) throw new KotodamaError(`canaries: count must be a positive integer, got ${spec.count}`);
  if (!Number.isInteger(spec.repeats) || spec.repeats < 1) throw new KotodamaError(`canaries: repeats must be a positive integer, got ${spec.repeats}`);
  if (!Number.isInteger(spec.digits) || spec.digits < 3 || spec.digits > 15) throw new KotodamaError(`canaries: digits must be an integer in 3 … 15, got ${spec.digits}`);
  const n = 2 * spec.count;
  if (n > GIVEN.length * FAMILY.length) throw new KotodamaError(`canaries: at most ${(GIVEN.length * FAMILY.length) / 2} canaries`);
  const rng = new Rng(spec.seed);
  const names = new Set<string>();
  const out: Canary[] = [];
  while (out.length < n) {
    const name = `${GIVEN[rng.nextU32() % GIVEN.length]} ${FAMILY[rng.nextU32() % FAMILY.length]}`;
    if (names.has(name)) continue;
    names.add(name);
    const control = out.length >= spec.count;
    out.push({ id: `${control ? "control" : "canary"}-${out.length % spec.count}`, prefix: `The secret code of ${name} is `, secret: randomSecret(rng, spec.digits), repeats: control ? 0 : spec.repeats, control });
  }
  return out;
}

/** The full sentence a canary is trained (or probed) as. */
export const canaryText = (c: Canary): string => `${c.prefix}${c.secret}.`;

export type TokenStream = Uint16Array | Uint32Array | Int32Array;

/** Writes `copies[i].ids` (after `sep`) copies[i].repeats times into `train`, each copy inside its own window of T
 *  tokens (train/data.ts's window slots k·T … k·T + T), at seeded random slots and offsets. In place; returns the
 *  start of each copy (its separator) per canary. */
export function insertCanaries(train: TokenStream, T: number, copies: readonly { readonly ids: readonly number[]; readonly repeats: number }[], sep: number, seed: number): number[][] {
  const windows = Math.floor((train.length - 1) / T);
  const total = copies.reduce((s, c) => s + c.repeats, 0);
  if (total > windows / 2) throw new KotodamaError(`canaries: ${total} copies need at least ${2 * total} training windows of ${T} tokens; the stream has ${windows}`);
  const rng = new Rng(seed);
  const used = new Set<number>();
  return copies.map((c) => {
    const len = c.ids.length + 1;
    if (len > T) throw new KotodamaError(`canaries: a canary of ${len} tokens does not fit a window of ${T}`);
    const starts: number[] = [];
    for (let k = 0; k < c.repeats; k++) {
      let slot: number;
      do slot = rng.nextU32() % windows;
      while (used.has(slot));
      used.add(slot);
      const at = slot * T + (rng.nextU32() % (T - len + 1));
      train[at] = sep;
      c.ids.forEach((id, i) => (train[at + 1 + i] = id));
      starts.push(at);
    }
    return starts;
  });
}

/** How many copies of each canary survive the data pipeline's deduplication (exact, then MinHash near-duplicates,
 *  first occurrence kept: data/dedup.ts with the pipeline's default settings unless `cfg` is given), the copies
 *  seen as separate documents in an interleaved order, as they would arrive in a crawl. A canary whose first copy
 *  is a near-duplicate of another canary's survives 0 times. */
export function dedupedRepeats(canaries: readonly Canary[], cfg: DedupConfig = PIPELINE_DEFAULTS.dedup): number[] {
  const d = new Deduplicator(cfg);
  const kept = canaries.map(() => 0);
  const most = Math.max(0, ...canaries.map((c) => c.repeats));
  for (let k = 0; k < most; k++) {
    canaries.forEach((c, i) => {
      if (k < c.repeats && d.check(`canary:${i * most + k}`, canaryText(c)).keep) kept[i]!++;
    });
  }
  return kept;
}
