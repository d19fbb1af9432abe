// Byte-level BPE training (Sennrich et al. 2016 over bytes, as GPT-2): count pre-tokens, then repeatedly merge
// the most frequent adjacent pair, with incremental pair counts and a lazy max-heap (no recount per merge).
// Deterministic: ties go to the smaller (left id, right id). Not here: encoding (bpe.ts), files (hf-json.ts).

import { KotodamaError } from "../util/errors.js";
import { BYTE_TO_CHAR, utf8Encode } from "./bytes.js";
import { ByteLevelBpe } from "./bpe.js";
import { KOTODAMA_PATTERN, regexPreTokenizer } from "./pretokenize.js";
import { KOTODAMA_SPECIALS, type AddedToken } from "./special.js";

export interface TrainBpeOptions {
  /** Training text, as many strings as convenient (files, documents, lines). */
  readonly texts: Iterable<string>;
  /** Final vocabulary size: 256 byte tokens + merges + special tokens. At most 65536. */
  readonly vocabSize: number;
  /** Pre-tokenizer pattern (Oniguruma spelling). Default: KOTODAMA_PATTERN (GPT-4 rules + CJK script runs). */
  readonly pattern?: string;
  /** Reserved special tokens, appended after the merges. Default: KOTODAMA_SPECIALS (BOS, EOS, PAD, chat roles). */
  readonly specials?: readonly string[];
  /** Stop early when the best pair occurs fewer times than this. Default 2. */
  readonly minFrequency?: number;
  /** Whether encode() prepends BOS by default. Default true. */
  readonly addBos?: boolean;
  /** Called every 256 merges with (merges done, merges wanted). */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface TrainStats {
  readonly pieces: number;
  readonly uniquePieces: number;
  readonly merges: number;
  readonly countMs: number;
  readonly mergeMs: number;
}

/** Trains a byte-level BPE tokenizer. */
export function trainBpe(options: TrainBpeOptions): ByteLevelBpe {
  return trainBpeWithStats(options).tokenizer;
}

export function trainBpeWithStats(options: TrainBpeOptions): { tokenizer: ByteLevelBpe; stats: TrainStats } {
  const specials = options.specials ?? KOTODAMA_SPECIALS;
  const pattern = options.pattern ?? KOTODAMA_PATTERN;
  const minFreq = options.minFrequency ?? 2;
  if (!Number.isInteger(options.vocabSize) || options.vocabSize < 256 + specials.length || options.vocabSize > 65536) {
    throw new KotodamaError(`trainBpe: vocabSize must be an integer in [${256 + specials.length}, 65536] (256 bytes + ${specials.length} specials + merges), got ${options.vocabSize}`);
  }
  if (new Set(specials).size !== specials.length || specials.some((s) => s.length === 0)) {
    throw new KotodamaError("trainBpe: special tokens must be distinct non-empty strings");
  }
  const t0 = performance.now();

  // 1. Pre-token frequencies.
  const pre = regexPreTokenizer(pattern);
  const freq = new Map<string, number>();
  let pieces = 0;
  for (const text of options.texts) {
    for (const p of pre.split(text)) {
      freq.set(p, (freq.get(p) ?? 0) + 1);
      pieces++;
    }
  }

  // 2. Words as byte-id arrays.
  const words: Int32Array[] = [];
  const lens: number[] = [];
  const counts: number[] = [];
  for (const [p, f] of freq) {
    const b = utf8Encode(p);
    if (b.length < 2) continue; // a single byte has no pairs
    words.push(Int32Array.from(b));
    lens.push(b.length);
    counts.push(f);
  }
  const t1 = performance.now();

  // 3. Pair counts and, per pair, the words it occurs in (duplicates allowed; filtered when used).
  const K = 65536;
  const pairCount = new Map<number, number>();
  const where = new Map<number, number[]>();
  const add = (key: number, f: number, w: number): void => {
    pairCount.set(key, (pairCount.get(key) ?? 0) + f);
    if (f > 0) {
      const list = where.get(key);
      if (list === undefined) where.set(key, [w]);
      else if (list[list.length - 1] !== w) list.push(w);
    }
  };
  for (let w = 0; w < words.length; w++) {
    const s = words[w]!;
    for (let i = 0; i + 1 < lens[w]!; i++) add(s[i]! * K + s[i + 1]!, counts[w]!, w);
  }
  const heap = new PairHeap();
  for (const [key, c] of pairCount) heap.push(c, key);

  // 4. Merge.
  const tokenBytes: Uint8Array[] = [];
  for (let b = 0; b < 256; b++) tokenBytes.push(Uint8Array.of(b));
  const texts: string[] = BYTE_TO_CHAR.slice();
  const idOfText = new Map<string, number>(texts.map((t, i) => [t, i]));
  const merges: [string, string][] = [];
  const wantedTokens = options.vocabSize - specials.length;
  const wantedMerges = wantedTokens - 256;
  const seen = new Int32Array(words.length).fill(-1);
  const grown = new Set<number>();
  while (texts.length < wantedTokens && heap.size > 0) {
    const [c, key] = heap.pop();
    const cur = pairCount.get(key) ?? 0;
    if (c !== cur) {
      if (cur > 0) heap.push(cur, key);
      continue;
    }
    if (cur < minFreq) break;
    const a = Math.floor(key / K);
    const b = key % K;
    const text = texts[a]! + texts[b]!;
    let m = idOfText.get(text);
    if (m === undefined) {
      m = texts.length;
      texts.push(text);
      idOfText.set(text, m);
      const bytes = new Uint8Array(tokenBytes[a]!.length + tokenBytes[b]!.length);
      bytes.set(tokenBytes[a]!);
      bytes.set(tokenBytes[b]!, tokenBytes[a]!.length);
      tokenBytes.push(bytes);
    }
    merges.push([texts[a]!, texts[b]!]);
    grown.clear();
    const step = merges.length;
    for (const w of where.get(key) ?? []) {
      if (seen[w] === step) continue;
      seen[w] = step;
      const s = words[w]!;
      const n = lens[w]!;
      const f = counts[w]!;
      let r = 0;
      let o = 0;
      while (r < n) {
        if (r + 1 < n && s[r] === a && s[r + 1] === b) {
          if (o > 0) {
            const p = s[o - 1]!;
            add(p * K + a, -f, w);
            add(p * K + m, f, w);
            grown.add(p * K + m);
          }
          if (r + 2 < n) {
            const q = s[r + 2]!;
            add(b * K + q, -f, w);
            add(m * K + q, f, w);
            grown.add(m * K + q);
          }
          s[o++] = m;
          r += 2;
        } else s[o++] = s[r++]!;
      }
      lens[w] = o;
    }
    pairCount.delete(key);
    where.delete(key);
    for (const g of grown) {
      const gc = pairCount.get(g) ?? 0;
      if (gc > 0) heap.push(gc, g);
    }
    if (options.onProgress !== undefined && merges.length % 256 === 0) options.onProgress(merges.length, wantedMerges);
  }
  const t2 = performance.now();

  // 5. Vocabulary: bytes, merges, specials.
  const added: AddedToken[] = specials.map((s, i) => ({ id: texts.length + i, text: s, special: true }));
  const vocab = [...texts, ...specials];
  const idOf = (s: string): number | undefined => {
    const i = specials.indexOf(s);
    return i < 0 ? undefined : texts.length + i;
  };
  const special: { bos?: number; eos?: number; pad?: number } = {};
  const bos = idOf("<|bos|>");
  const eos = idOf("<|eos|>");
  const pad = idOf("<|pad|>");
  if (bos !== undefined) special.bos = bos;
  if (eos !== undefined) special.eos = eos;
  if (pad !== undefined) special.pad = pad;
  const tokenizer = new ByteLevelBpe({
    source: "trained",
    vocab,
    merges,
    pattern,
    added,
    special,
    addBos: options.addBos ?? true,
  });
  return {
    tokenizer,
    stats: { pieces, uniquePieces: freq.size, merges: merges.length, countMs: t1 - t0, mergeMs: t2 - t1 },
  };
}

/** Max-heap of (count, pair key); ties pop the smaller key first. */
class PairHeap {
  private c: number[] = [];
  private k: number[] = [];
  get size(): number {
    return this.c.length;
  }
  private better(i: number, j: number): boolean {
    return this.c[i]! > this.c[j]! || (this.c[i] === this.c[j] && this.k[i]! < this.k[j]!);
  }
  private swap(i: number, j: number): void {
    [this.c[i], this.c[j]] = [this.c[j]!, this.c[i]!];
    [this.k[i], this.k[j]] = [this.k[j]!, this.k[i]!];
  }
  push(count: number, key: number): void {
    this.c.push(count);
    this.k.push(key);
    let i = this.c.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.better(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }
  pop(): [number, number] {
    const top: [number, number] = [this.c[0]!, this.k[0]!];
    const lc = this.c.pop()!;
    const lk = this.k.pop()!;
    if (this.c.length > 0) {
      this.c[0] = lc;
      this.k[0] = lk;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.c.length && this.better(l, m)) m = l;
        if (r < this.c.length && this.better(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
}
