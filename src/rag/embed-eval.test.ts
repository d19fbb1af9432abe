// Spearman's ρ on a hand-computed example with ties (checked against scipy.stats.spearmanr: 0.9210526…), ranks with
// ties, and JSTS lines read and scored with a toy embedder. Not here: model embeddings (bench/rag-dense.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cosine, jstsPairs, pearson, ranks, spearman, stsSpearman } from "./embed-eval.js";

test("ranks share the mean rank on ties", () => {
  assert.deepEqual(ranks([0.9, 0.1, 0.5, 0.5, 0.3]), [5, 1, 3.5, 3.5, 2]);
  assert.deepEqual(ranks([4, 0, 2.4, 3, 2.4]), [5, 1, 2.5, 4, 2.5]);
});

test("spearman: worked example with ties", () => {
  // ranks x = [5, 1, 3.5, 3.5, 2], y = [5, 1, 2.5, 4, 2.5], both mean 3: dx = [2, −2, .5, .5, −1], dy = [2, −2, −.5, 1, −.5]
  // Σdxdy = 4 + 4 − .25 + .5 + .5 = 8.75; Σdx² = Σdy² = 9.5 → ρ = 8.75 / 9.5 = 0.9210526…
  assert.ok(Math.abs(spearman([0.9, 0.1, 0.5, 0.5, 0.3], [4, 0, 2.4, 3, 2.4]) - 8.75 / 9.5) < 1e-12);
  assert.ok(Math.abs(pearson([1, 2, 3], [2, 4, 7]) - 0.9933992677987828) < 1e-12); // numpy.corrcoef
  assert.equal(spearman([1, 2, 3, 4], [40, 30, 20, 10]), -1);
  assert.throws(() => pearson([1], [1]), /two equal lists/);
});

test("jstsPairs + stsSpearman: cosine of a toy embedder against gold", () => {
  const dir = mkdtempSync(join(tmpdir(), "kotodama-jsts-"));
  try {
    const file = join(dir, "valid.json");
    const rows = [["ab", "ab", 5], ["ab", "ba", 3.2], ["ab", "cd", 0], ["aab", "ab", 4]] as const;
    writeFileSync(file, rows.map(([a, b, l], i) => JSON.stringify({ sentence_pair_id: String(i), sentence1: a, sentence2: b, label: l })).join("\n") + "\n");
    const pairs = jstsPairs(file);
    assert.equal(pairs.length, 4);
    // Letter counts over a..d: cos(ab, ab) = 1, cos(ab, ba) = 1, cos(ab, cd) = 0, cos(aab, ab) = 3/√10 = 0.9487.
    const embed = (t: string): Float32Array => Float32Array.from("abcd", (ch) => [...t].filter((c) => c === ch).length);
    assert.ok(Math.abs(cosine(embed("aab"), embed("ab")) - 3 / Math.sqrt(10)) < 1e-7);
    // cos ranks [3.5, 3.5, 1, 2], gold ranks [4, 2, 1, 3], both mean 2.5: dx = [1, 1, −1.5, −.5], dy = [1.5, −.5, −1.5, .5]
    // Σdxdy = 1.5 − .5 + 2.25 − .25 = 3; Σdx² = 4.5, Σdy² = 5 → ρ = 3 / √22.5 = 0.6324555…
    const r = stsSpearman(pairs, embed);
    assert.ok(Math.abs(r.spearman - 3 / Math.sqrt(22.5)) < 1e-12, String(r.spearman));
    writeFileSync(file, '{"sentence1": "a"}\n');
    assert.throws(() => jstsPairs(file), /line 1: expected \{sentence1, sentence2, label\}/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
