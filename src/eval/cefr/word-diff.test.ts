// wordDiff against hand-worked diffs: a deletion-only output, a rewrite with insertions, identical and empty texts,
// and, on every case, the keep+del words spelling the source and keep+ins the output.
import { test } from "node:test";
import assert from "node:assert/strict";
import { wordDiff, type DiffPart } from "./word-diff.js";

const spell = (parts: readonly DiffPart[], ops: readonly string[]): string => parts.filter((p) => ops.includes(p.op)).map((p) => p.text).join(" ");
const short = (parts: readonly DiffPart[]): string => parts.map((p) => (p.op === "keep" ? p.text : p.op === "del" ? `-${p.text}` : `+${p.text}`)).join(" ");

test("wordDiff: hand-worked cases; keep+del spell the source, keep+ins the output", () => {
  const cases: [string, string, string][] = [
    ["The Great Dark Spot is thought to represent a hole in the methane cloud deck of Neptune.", "The Great Dark Spot is a hole in the cloud deck of Neptune.", "The Great Dark Spot is -thought -to -represent a hole in the -methane cloud deck of Neptune."],
    ["He was subsequently appointed mayor.", "He was then made mayor.", "He was -subsequently -appointed +then +made mayor."],
    ["Same words here.", "Same words here.", "Same words here."],
    ["Only source.", "", "-Only -source."],
    ["", "Only output.", "+Only +output."],
  ];
  for (const [src, out, want] of cases) {
    const d = wordDiff(src, out);
    assert.equal(short(d), want, src);
    assert.equal(spell(d, ["keep", "del"]), src.split(/\s+/).filter(Boolean).join(" "));
    assert.equal(spell(d, ["keep", "ins"]), out.split(/\s+/).filter(Boolean).join(" "));
  }
});
