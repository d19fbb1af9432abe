// Step 3's held-out check within a memory budget: the validation split's n-grams (one length, n) as a sorted array
// of distinct 52-bit keys with a bit filter in front, in SharedArrayBuffers so that the shard workers read one copy
// (8 bytes a key plus 1 of filter, where a Map of them cost ~40 and one per worker). When that array would pass
// its budget, the check is made beforehand instead, in hash-range passes over the training file, each holding one
// range of the keys, and each document's hit count is spilled to a file that step 3 reads in order (HeldOutHits):
// memory then stays within the budget whatever the input size. Not here: what a hit count decides (shard-docs.ts)
// or the n-gram keys themselves (decontaminate.ts Prefixes: the same keys NgramSet uses, so the counts are its).
import { closeSync, openSync, readSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { Prefixes } from "./decontaminate.js";
import { unitHashes } from "./units.js";
import { readJsonl } from "./files.js";

/** A position's n-gram hit count and the positions checked (NgramSet.matches for one length). */
export interface HeldOutMatch {
  readonly hits: number;
  readonly total: number;
}

export interface HeldOutMatcher {
  matches(text: string): HeldOutMatch;
}

/** The in-memory set as shared buffers (structured-clonable: workerData). */
export interface HeldOutShared {
  readonly n: number;
  readonly keys: SharedArrayBuffer;
  readonly filter: SharedArrayBuffer;
}

const KEY_SPACE = 2 ** 52;

/** Calls fn with every n-gram key of text (none when it has fewer than n units). */
function forEachKey(pre: Prefixes, text: string, n: number, fn: (k: number) => void): number {
  const u = unitHashes(text);
  if (u.length < n) return u.length;
  pre.of(u);
  for (let i = 0; i + n <= u.length; i++) fn(pre.key(i, n));
  return u.length;
}

/** Whether sorted[lo, hi) holds k. */
function has(sorted: Float64Array, k: number): boolean {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (v === k) return true;
    if (v < k) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

/** Sorted, distinct keys (sorts keys in place; returns a prefix view). */
function sortUnique(keys: Float64Array): Float64Array {
  keys.sort();
  let w = 0;
  for (let r = 0; r < keys.length; r++) if (w === 0 || keys[r] !== keys[w - 1]) keys[w++] = keys[r]!;
  return keys.subarray(0, w);
}

/** The in-memory held-out set over shared buffers. */
export class HeldOutSet implements HeldOutMatcher {
  private readonly keys: Float64Array;
  private readonly filter: Uint32Array;
  private readonly mask: number;
  private readonly pre = new Prefixes();

  constructor(readonly shared: HeldOutShared) {
    this.keys = new Float64Array(shared.keys);
    this.filter = new Uint32Array(shared.filter);
    this.mask = this.filter.length * 32 - 1;
  }

  /** From sorted, distinct keys: about 8 filter bits a key (a power of two, at least 2^16). */
  static of(sorted: Float64Array, n: number): HeldOutSet {
    let bits = 1 << 16;
    while (bits < 8 * sorted.length && bits < 2 ** 31) bits *= 2;
    const keys = new SharedArrayBuffer(8 * sorted.length);
    new Float64Array(keys).set(sorted);
    const filter = new SharedArrayBuffer(bits / 8);
    const f = new Uint32Array(filter);
    for (const k of sorted) {
      const lo = k % bits;
      f[lo >>> 5]! |= 1 << (lo & 31);
    }
    return new HeldOutSet({ n, keys, filter });
  }

  get size(): number {
    return this.keys.length;
  }

  matches(text: string): HeldOutMatch {
    const n = this.shared.n;
    let hits = 0;
    const units = forEachKey(this.pre, text, n, (k) => {
      const lo = k % (this.mask + 1);
      if ((this.filter[lo >>> 5]! & (1 << (lo & 31))) !== 0 && has(this.keys, k)) hits++;
    });
    return { hits, total: Math.max(0, units - n + 1) };
  }
}

/** Float64 keys appended to a file through a small buffer. */
class KeyFile {
  private readonly buf = new Float64Array(1 << 14);
  private used = 0;
  private fd: number | null = null;
  count = 0;
  constructor(readonly path: string) {}
  push(k: number): void {
    if (this.used === this.buf.length) this.flush();
    this.buf[this.used++] = k;
    this.count++;
  }
  private flush(): void {
    this.fd ??= openSync(this.path, "w");
    writeSync(this.fd, this.buf, 0, this.used * 8);
    this.used = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd!);
    this.fd = null;
  }
}

/** Reads a KeyFile whole (one hash range: within the budget by construction). */
function readKeys(path: string): Float64Array {
  const size = statSync(path).size;
  const out = new Float64Array(size / 8);
  const fd = openSync(path, "r");
  try {
    for (let pos = 0; pos < size; ) pos += readSync(fd, new Uint8Array(out.buffer, pos, Math.min(size - pos, 1 << 24)), 0, Math.min(size - pos, 1 << 24), pos);
  } finally {
    closeSync(fd);
  }
  return out;
}

/** The result of building: the in-memory set, or per-document counts on disk. */
export type HeldOut = { readonly kind: "set"; readonly set: HeldOutSet } | { readonly kind: "spilled"; readonly hits: string; readonly passes: number };

/** Builds the held-out check from valFile within budgetBytes: the in-memory set when its keys fit (8 bytes a
 *  key, collected in a growing array of at most budgetBytes / 2 so that sorting fits too), else the keys are
 *  spilled to dir, cut into hash ranges of at most budgetBytes / 2 each, and trainFile is read once per range to
 *  count each document's hits (HeldOutHits then reads them, in the training file's order). */
export async function buildHeldOut(valFile: string, trainFile: string, n: number, budgetBytes: number, dir: string): Promise<HeldOut> {
  const maxKeys = Math.max(1024, Math.floor(budgetBytes / 16));
  const pre = new Prefixes();
  let mem: Float64Array | null = new Float64Array(Math.min(maxKeys, 1 << 16));
  let used = 0;
  let spill: KeyFile | null = null;
  for await (const d of readJsonl<{ text: string }>(valFile)) {
    forEachKey(pre, d.text, n, (k) => {
      if (spill !== null) return spill.push(k);
      if (used === mem!.length) {
        if (used < maxKeys) {
          const grown = new Float64Array(Math.min(maxKeys, 2 * used));
          grown.set(mem!);
          mem = grown;
        } else {
          // Distinct keys may still fit: squeeze the duplicates out before giving up on memory.
          used = sortUnique(mem!).length;
          if (used > maxKeys / 2) {
            spill = new KeyFile(join(dir, "heldout-keys"));
            for (let i = 0; i < used; i++) spill.push(mem![i]!);
            mem = null;
            return spill.push(k);
          }
        }
      }
      mem![used++] = k;
    });
  }
  const spilled = spill as KeyFile | null; // assigned in the callback above, which the compiler does not follow
  if (spilled === null) return { kind: "set", set: HeldOutSet.of(sortUnique(mem!.subarray(0, used)), n) };
  spilled.close();
  // Hash ranges of at most maxKeys / 2 keys each (the keys are uniform over [0, 2^52)).
  const passes = Math.ceil(spilled.count / (maxKeys / 2));
  const parts = Array.from({ length: passes }, (_, p) => new KeyFile(join(dir, `heldout-keys-${p}`)));
  for (const k of readKeysStreaming(spilled.path)) parts[Math.min(passes - 1, Math.floor((k / KEY_SPACE) * passes))]!.push(k);
  parts.forEach((p) => p.close());
  rmSync(spilled.path);
  // One pass over the training file per range: counts[doc] += hits in this range (and the totals in the first).
  const hitsFile = join(dir, "heldout-hits");
  for (let p = 0; p < passes; p++) {
    const keys = sortUnique(readKeys(parts[p]!.path));
    rmSync(parts[p]!.path);
    const prev = p === 0 ? null : new CountReader(`${hitsFile}.${p - 1}`);
    const out = new CountWriter(`${hitsFile}.${p}`);
    for await (const d of readJsonl<{ text: string }>(trainFile)) {
      let hits = prev === null ? 0 : prev.next()[0];
      const units = forEachKey(pre, d.text, n, (k) => {
        if (Math.min(passes - 1, Math.floor((k / KEY_SPACE) * passes)) === p && has(keys, k)) hits++;
      });
      out.push(hits, prev === null ? Math.max(0, units - n + 1) : prev.last[1]);
    }
    out.close();
    prev?.close();
    if (p > 0) rmSync(`${hitsFile}.${p - 1}`);
  }
  return { kind: "spilled", hits: `${hitsFile}.${passes - 1}`, passes };
}

function* readKeysStreaming(path: string): Generator<number> {
  const fd = openSync(path, "r");
  const buf = new Float64Array(1 << 14);
  try {
    for (let pos = 0; ; ) {
      const got = readSync(fd, new Uint8Array(buf.buffer), 0, buf.byteLength, pos);
      if (got === 0) return;
      for (let i = 0; i < got / 8; i++) yield buf[i]!;
      pos += got;
    }
  } finally {
    closeSync(fd);
  }
}

/** (hits, total) pairs of uint32 written in order. */
class CountWriter {
  private readonly buf = new Uint32Array(1 << 15);
  private used = 0;
  private readonly fd: number;
  constructor(path: string) {
    this.fd = openSync(path, "w");
  }
  push(hits: number, total: number): void {
    if (this.used === this.buf.length) this.flush();
    this.buf[this.used++] = hits;
    this.buf[this.used++] = total;
  }
  private flush(): void {
    writeSync(this.fd, this.buf, 0, this.used * 4);
    this.used = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** Reads CountWriter's pairs in order. */
class CountReader {
  private readonly buf = new Uint32Array(1 << 15);
  private have = 0;
  private at = 0;
  private pos = 0;
  private readonly fd: number;
  last: [number, number] = [0, 0];
  constructor(path: string) {
    this.fd = openSync(path, "r");
  }
  next(): [number, number] {
    if (this.at === this.have) {
      const got = readSync(this.fd, new Uint8Array(this.buf.buffer), 0, this.buf.byteLength, this.pos);
      if (got === 0) throw new Error("held-out hit counts: fewer than the training documents (delete the output's cache and re-run)");
      this.pos += got;
      this.have = got / 4;
      this.at = 0;
    }
    this.last = [this.buf[this.at]!, this.buf[this.at + 1]!];
    this.at += 2;
    return this.last;
  }
  close(): void {
    closeSync(this.fd);
  }
}

/** The spilled counts, one training document at a time in the training file's order. */
export class HeldOutHits {
  private readonly r: CountReader;
  constructor(readonly path: string) {
    this.r = new CountReader(path);
  }
  next(): HeldOutMatch {
    const [hits, total] = this.r.next();
    return { hits, total };
  }
  close(): void {
    this.r.close();
    rmSync(this.path, { force: true });
  }
}
