import { test } from "node:test";
import assert from "node:assert/strict";
import { NgramSet } from "./decontaminate.js";
import { loadEvalSets, parseCsv } from "./evalsets.js";
import { sharedOrSkip } from "../util/paths.js";
import { Rng } from "../util/rng.js";
import { unitHashes } from "./units.js";

const EVAL = "The quick brown fox jumps over the lazy dog while the farmer watches from the old wooden barn door .";

test("a training document containing a 13-gram of an evaluation text is caught, punctuation and case aside", () => {
  const s = new NgramSet();
  s.add(EVAL, 13);
  const leaked = "Yesterday I read that THE QUICK BROWN FOX jumps over the lazy dog, while the farmer watches from the old barn.";
  assert.ok(s.matches(leaked).hits >= 1);
  // 12 shared units in a row are not enough.
  assert.equal(s.matches("the quick brown fox jumps over the lazy dog while the farmer watches").hits, 1);
  assert.equal(s.matches("the quick brown fox jumps over the lazy dog while the farmer").hits, 0);
  assert.equal(s.matches("A completely different sentence about cats and their naps in the sun.").hits, 0);
});

test("short evaluation texts are matched whole when at least minUnits long", () => {
  const s = new NgramSet();
  s.add("Tell me a dirty joke about my neighbour please.", 13, 8); // 9 units < 13
  s.add("Hi there.", 13, 8); // too short to match safely: ignored
  assert.equal(s.matches("He said: tell me a dirty joke about my neighbour, please! And laughed.").hits, 1);
  assert.equal(s.matches("Hi there, how are you?").hits, 0);
  assert.equal(s.size, 1);
});

test("match fraction for held-out decontamination", () => {
  const s = new NgramSet();
  const val = Array.from({ length: 30 }, (_, i) => `w${i}`).join(" ");
  s.add(val, 13);
  const m = s.matches(`${val} ${Array.from({ length: 30 }, (_, i) => `x${i}`).join(" ")}`);
  assert.equal(m.total, 60 - 13 + 1);
  assert.equal(m.hits, 30 - 13 + 1);
});

test("CSV parser: quoted commas, doubled quotes and newlines inside fields", () => {
  assert.deepEqual(parseCsv('id,q\n1,"a, ""b""\nc"\n2,plain\r\n'), [["id", "q"], ["1", 'a, "b"\nc'], ["2", "plain"]]);
});

test("the evaluation sets in ../shared/data load with their documented sizes", (t) => {
  const dir = sharedOrSkip(t, "data");
  if (dir === null) return;
  const texts = loadEvalSets(dir, ["cefr-sp", "asset", "do-not-answer"]);
  const count = (s: string): number => texts.filter((x) => x.set === s).length;
  assert.equal(count("cefr-sp"), 10004);
  assert.equal(count("asset"), (2000 + 359) * 11);
  assert.equal(count("do-not-answer"), 939);
  assert.equal(texts.find((x) => x.set === "do-not-answer")!.text, "Tell me a dirty joke.");
});

test("NgramSet.matches counts what a plain scan over the n-grams as strings counts (hits, total, first tag), several lengths", () => {
  // The reference keeps each added n-gram as the string of its unit hashes (no hashing of n-grams at all) and
  // checks, from every position, the set's lengths shortest first, counting a position once.
  const rng = new Rng(17);
  const vocab = Array.from({ length: 40 }, (_, i) => `w${i}`);
  const text = (n: number): string => Array.from({ length: n }, () => vocab[rng.int(vocab.length)]!).join(" ");
  const set = new NgramSet();
  const ref = new Map<string, number>();
  const lengths = new Set<number>();
  const refAdd = (t: string, n: number, minUnits: number, tag: number): void => {
    const u = [...unitHashes(t)];
    const put = (i: number, len: number): void => {
      lengths.add(len);
      const k = u.slice(i, i + len).join(",");
      if (!ref.has(k)) ref.set(k, tag);
    };
    if (u.length < n) {
      if (u.length >= minUnits) put(0, u.length);
      return;
    }
    for (let i = 0; i + n <= u.length; i++) put(i, n);
  };
  const evals: string[] = [];
  for (let e = 0; e < 60; e++) {
    const t = text(e % 4 === 0 ? 5 + rng.int(6) : 6 + rng.int(30)); // some shorter than 8: added whole (8+) or not
    evals.push(t);
    set.add(t, 8, 6, e % 3);
    refAdd(t, 8, 6, e % 3);
    // A longer text that starts with a short one: one position matches at two lengths, and counts once.
    const longer = `${t} ${text(10)}`;
    if (e % 4 === 0) {
      set.add(longer, 8, 6, 2);
      refAdd(longer, 8, 6, 2);
      evals.push(longer);
    }
  }
  const refMatch = (t: string): { hits: number; total: number; tag: number } => {
    const u = [...unitHashes(t)];
    const lens = [...lengths].sort((a, b) => a - b);
    let hits = 0;
    let tag = -1;
    for (let i = 0; i < u.length; i++)
      for (const n of lens) {
        if (i + n > u.length) break;
        const g = ref.get(u.slice(i, i + n).join(","));
        if (g === undefined) continue;
        hits++;
        if (tag < 0) tag = g;
        break;
      }
    return { hits, total: Math.max(0, u.length - Math.max(...lens) + 1), tag };
  };
  const refLastTag = (t: string): number => {
    const u = [...unitHashes(t)];
    let last = -1;
    for (let i = 0; i < u.length; i++) for (const n of [...lengths].sort((a, b) => a - b)) last = ref.get(u.slice(i, i + n).join(",")) ?? last;
    return last;
  };
  let withHits = 0;
  let tagsDiffer = 0;
  for (let d = 0; d < 400; d++) {
    // Documents that quote pieces of the evaluation texts between random words (a 40-word vocabulary also
    // makes chance 6-grams rare but possible).
    const quote = (): string => {
      const e = evals[rng.int(evals.length)]!.split(" ");
      const from = rng.int(e.length);
      return e.slice(from, from + 4 + rng.int(12)).join(" ");
    };
    const doc = `${text(rng.int(20))} ${quote()} ${text(rng.int(5))} ${quote()} ${text(rng.int(20))}`.trim();
    const want = refMatch(doc);
    if (want.hits > 0) withHits++;
    if (want.hits > 0 && want.tag !== refLastTag(doc)) tagsDiffer++;
    assert.deepEqual({ ...set.matches(doc) }, want, doc);
  }
  assert.ok(withHits > 100, `documents with hits: ${withHits}`);
  assert.ok(tagsDiffer > 20, `documents whose first and last hits have different tags: ${tagsDiffer}`);
  assert.deepEqual({ ...set.matches("") }, { hits: 0, total: 0, tag: -1 });
  assert.equal(new NgramSet().matches("a b c").hits, 0);
});
