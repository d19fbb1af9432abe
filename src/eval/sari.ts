// SARI (Xu et al. 2016, "Optimizing statistical machine translation for text simplification", TACL) exactly as
// EASSE computes it (github.com/feralvam/easse, easse/sari.py, `corpus_sari` with its defaults): sentences
// lowercased and 13a-tokenized (sources too, EASSE's non-legacy mode); n-grams of orders 1–4; for every sentence
// the add / keep / delete counts of its n-grams are summed over the corpus; then per order n, add F1, keep F1 and
// delete F1 (or delete precision alone, the paper's sentence-level rule, with deletion: "precision"); each
// operation's score is the mean over the four orders ("macro", the released Java implementation that the authors
// used, cocoxu/simplification issue 8); SARI = 100 × (add + keep + delete) / 3.
// Counting (per sentence, order n; orig O, system S, references R_1..R_r; counts are multisets, ∧ = min, − clips at 0):
//   add:    sys total |set(S) − set(O)|, ref total |set(ΣR) − set(O)|, correct |(set(S) − set(O)) ∩ set(ΣR)|
//   keep:   sys total Σ(r·O ∧ r·S), ref total Σ(r·O ∧ ΣR), correct Σ((r·O ∧ r·S) ∧ (r·O ∧ ΣR))
//   delete: sys total Σ(r·O − r·S), ref total Σ(r·O − ΣR), correct Σ((r·O − r·S) ∧ (r·O − ΣR))
// A precision with a zero denominator is 0, a recall likewise, and an F1 is 0 unless both are > 0.
// Not here: BLEU (bleu.ts), FKGL (fkgl.ts), the tokenizer (tokenize-13a.ts).
import { KotodamaError } from "../util/errors.js";
import { normalizeTokens } from "./tokenize-13a.js";

export const SARI_NGRAM_ORDER = 4;

export interface SariOptions {
  /** Lowercase before tokenizing (EASSE default true). */
  readonly lowercase?: boolean;
  /** "f1" (EASSE corpus_sari default) or "precision" (Xu et al.'s sentence-level rule: deletion precision only). */
  readonly deletion?: "f1" | "precision";
}

/** Summed counts of one operation per order: [n − 1] for n = 1..4. */
export interface OpCounts {
  readonly sysCorrect: number[];
  readonly sysTotal: number[];
  readonly refTotal: number[];
}

export interface SariStats {
  readonly add: OpCounts;
  readonly keep: OpCounts;
  readonly del: OpCounts;
}

export interface SariScore {
  /** 0–100. */
  readonly sari: number;
  readonly add: number;
  readonly keep: number;
  readonly del: number;
}

type Bag = Map<string, number>;

/** The n-gram bags of orders 1..4 of a token list. */
function ngramBags(tokens: readonly string[]): Bag[] {
  const out: Bag[] = [];
  for (let n = 1; n <= SARI_NGRAM_ORDER; n++) {
    const b: Bag = new Map();
    for (let i = 0; i + n <= tokens.length; i++) {
      const g = tokens.slice(i, i + n).join(" ");
      b.set(g, (b.get(g) ?? 0) + 1);
    }
    out.push(b);
  }
  return out;
}

const scaled = (a: Bag, k: number): Bag => new Map([...a].map(([g, c]) => [g, c * k]));
function meet(a: Bag, b: Bag): Bag {
  const o: Bag = new Map();
  for (const [g, c] of a) {
    const m = Math.min(c, b.get(g) ?? 0);
    if (m > 0) o.set(g, m);
  }
  return o;
}
function minus(a: Bag, b: Bag): Bag {
  const o: Bag = new Map();
  for (const [g, c] of a) {
    const d = c - (b.get(g) ?? 0);
    if (d > 0) o.set(g, d);
  }
  return o;
}
const total = (a: Bag): number => [...a.values()].reduce((s, c) => s + c, 0);
const zeros = (): OpCounts => ({ sysCorrect: [0, 0, 0, 0], sysTotal: [0, 0, 0, 0], refTotal: [0, 0, 0, 0] });

/** Adds one sentence's counts (already-normalized tokens) to stats. */
function addSentence(stats: SariStats, orig: readonly string[], sys: readonly string[], refs: readonly (readonly string[])[]): void {
  const O = ngramBags(orig), S = ngramBags(sys);
  const R: Bag[] = O.map(() => new Map());
  for (const ref of refs) ngramBags(ref).forEach((b, n) => { for (const [g, c] of b) R[n]!.set(g, (R[n]!.get(g) ?? 0) + c); });
  const r = refs.length;
  for (let n = 0; n < SARI_NGRAM_ORDER; n++) {
    const o = O[n]!, s = S[n]!, rr = R[n]!;
    const added = [...s.keys()].filter((g) => !o.has(g));
    stats.add.sysTotal[n]! += added.length;
    stats.add.refTotal[n]! += [...rr.keys()].filter((g) => !o.has(g)).length;
    stats.add.sysCorrect[n]! += added.filter((g) => rr.has(g)).length;
    const ro = scaled(o, r), rs = scaled(s, r);
    const keptSys = meet(ro, rs), keptRef = meet(ro, rr);
    stats.keep.sysTotal[n]! += total(keptSys);
    stats.keep.refTotal[n]! += total(keptRef);
    stats.keep.sysCorrect[n]! += total(meet(keptSys, keptRef));
    const delSys = minus(ro, rs), delRef = minus(ro, rr);
    stats.del.sysTotal[n]! += total(delSys);
    stats.del.refTotal[n]! += total(delRef);
    stats.del.sysCorrect[n]! += total(meet(delSys, delRef));
  }
}

const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);
const f1 = (p: number, r: number): number => (p > 0 && r > 0 ? (2 * p * r) / (p + r) : 0);

/** The corpus's summed counts; refs[i] are sentence i's references (any number ≥ 1, the same for every sentence
 *  is not required). */
export function sariStats(orig: readonly string[], sys: readonly string[], refs: readonly (readonly string[])[], o: SariOptions = {}): SariStats {
  if (orig.length !== sys.length || orig.length !== refs.length) throw new KotodamaError(`SARI: ${orig.length} sources, ${sys.length} outputs and ${refs.length} reference sets; expected the same number`);
  const lc = o.lowercase ?? true;
  const stats: SariStats = { add: zeros(), keep: zeros(), del: zeros() };
  orig.forEach((src, i) => {
    if (refs[i]!.length === 0) throw new KotodamaError(`SARI: sentence ${i + 1} has no references`);
    addSentence(stats, normalizeTokens(src, lc), normalizeTokens(sys[i]!, lc), refs[i]!.map((x) => normalizeTokens(x, lc)));
  });
  return stats;
}

/** Scores from summed counts (EASSE compute_macro_sari), each 0–100. */
export function sariFromStats(st: SariStats, o: SariOptions = {}): SariScore {
  let add = 0, keep = 0, del = 0;
  for (let n = 0; n < SARI_NGRAM_ORDER; n++) {
    const pr = (c: OpCounts): [number, number] => [ratio(c.sysCorrect[n]!, c.sysTotal[n]!), ratio(c.sysCorrect[n]!, c.refTotal[n]!)];
    add += f1(...pr(st.add)) / SARI_NGRAM_ORDER;
    keep += f1(...pr(st.keep)) / SARI_NGRAM_ORDER;
    const [dp, dr] = pr(st.del);
    del += ((o.deletion ?? "f1") === "f1" ? f1(dp, dr) : dp) / SARI_NGRAM_ORDER;
  }
  return { sari: (100 * (add + keep + del)) / 3, add: 100 * add, keep: 100 * keep, del: 100 * del };
}

/** Corpus SARI as EASSE corpus_sari(orig, sys, refs) with lowercase=true, tokenizer 13a (refs here are per
 *  sentence; EASSE takes them per annotator). */
export function corpusSari(orig: readonly string[], sys: readonly string[], refs: readonly (readonly string[])[], o: SariOptions = {}): SariScore {
  return sariFromStats(sariStats(orig, sys, refs, o), o);
}
