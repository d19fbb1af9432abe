// Corpus BLEU (Papineni et al. 2002) as SacreBLEU 2.x computes it with the settings EASSE's corpus_bleu passes:
// 13a tokenization, case kept, n-gram orders 1–4, clipped counts against the per-n-gram maximum over a sentence's
// references, the closest reference length per sentence (ties: the shorter), brevity penalty exp(1 − r/c) when
// c < r, and "exp" smoothing (the k-th order with no match gets precision 1 / (2^k · total), mteval's smoothing),
// no effective order. Not here: SARI (sari.ts), tokenization (tokenize-13a.ts).
import { KotodamaError } from "../util/errors.js";
import { normalizeTokens } from "./tokenize-13a.js";

export interface BleuScore {
  /** 0–100. */
  readonly bleu: number;
  /** Modified precisions, 0–100, orders 1..4 (after smoothing). */
  readonly precisions: readonly number[];
  readonly bp: number;
  readonly sysLen: number;
  readonly refLen: number;
}

function counts(tokens: readonly string[], n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const g = tokens.slice(i, i + n).join(" ");
    m.set(g, (m.get(g) ?? 0) + 1);
  }
  return m;
}

/** Corpus BLEU of sys against refs[i] (each sentence's references), SacreBLEU "13a", exp smoothing. */
export function corpusBleu(sys: readonly string[], refs: readonly (readonly string[])[], lowercase = false): BleuScore {
  if (sys.length !== refs.length) throw new KotodamaError(`BLEU: ${sys.length} outputs but ${refs.length} reference sets`);
  const N = 4;
  const correct = new Array<number>(N).fill(0), totals = new Array<number>(N).fill(0);
  let sysLen = 0, refLen = 0;
  sys.forEach((s, i) => {
    if (refs[i]!.length === 0) throw new KotodamaError(`BLEU: sentence ${i + 1} has no references`);
    const h = normalizeTokens(s, lowercase);
    const rs = refs[i]!.map((r) => normalizeTokens(r, lowercase));
    sysLen += h.length;
    let best = rs[0]!.length;
    for (const r of rs) {
      const d = Math.abs(r.length - h.length), bd = Math.abs(best - h.length);
      if (d < bd || (d === bd && r.length < best)) best = r.length;
    }
    refLen += best;
    for (let n = 1; n <= N; n++) {
      const maxRef = new Map<string, number>();
      for (const r of rs) for (const [g, c] of counts(r, n)) maxRef.set(g, Math.max(maxRef.get(g) ?? 0, c));
      for (const [g, c] of counts(h, n)) correct[n - 1]! += Math.min(c, maxRef.get(g) ?? 0);
      totals[n - 1]! += Math.max(0, h.length - n + 1);
    }
  });
  const precisions = new Array<number>(N).fill(0);
  let smooth = 1;
  for (let n = 0; n < N; n++) {
    if (totals[n] === 0) break;
    if (correct[n] === 0) {
      smooth *= 2;
      precisions[n] = 100 / (smooth * totals[n]!);
    } else precisions[n] = (100 * correct[n]!) / totals[n]!;
  }
  const bp = sysLen >= refLen ? 1 : sysLen === 0 ? 0 : Math.exp(1 - refLen / sysLen);
  // SacreBLEU's my_log(0) = −9999999999: a zero precision makes the score 0.
  const logs = precisions.map((p) => (p === 0 ? -9999999999 : Math.log(p)));
  const bleu = bp * Math.exp(logs.reduce((a, b) => a + b, 0) / N);
  return { bleu, precisions, bp, sysLen, refLen };
}
