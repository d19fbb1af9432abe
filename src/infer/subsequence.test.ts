// Tests of deletion-only decoding (subsequence.ts): the texts it lets end are exactly the source's subsequences
// enumerated independently (first unit capitalised or after a space, marks glued, minKeep, kept words), the mask
// agrees with advance token by token, the delete penalty charges the words skipped (worked by hand), and beam
// search on stories260K writes only such texts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadBackend } from "../engine/backend.js";
import { loadModel } from "../models/load.js";
import { Rng } from "../util/rng.js";
import { sharedOrSkip } from "../util/paths.js";
import { beamSearchText } from "./beam.js";
import { bytePieceTokenizer as byteTokenizer } from "./constrain/constrain.fixture.js";
import { createInferModel } from "./model.js";
import { sourceUnits, subsequenceConstraint, type SubsequenceState } from "./subsequence.js";

const enc = new TextEncoder();

/** Every text the constraint must accept, by enumeration: non-empty increasing subsets of the units. */
function allowedTexts(source: string, minKeep: number, keep: readonly string[] = []): Set<string> {
  const u = sourceUnits(source);
  const words = u.filter((x) => x.word).length;
  const need = Math.min(words, Math.ceil(minKeep * words - 1e-9));
  const required = u.map((x) => keep.map((k) => k.toLowerCase()).includes(x.text.toLowerCase()));
  const out = new Set<string>();
  for (let mask = 1; mask < 1 << u.length; mask++) {
    const idx = u.map((_, i) => i).filter((i) => (mask >> i) & 1);
    if (idx.filter((i) => u[i]!.word).length < need) continue;
    if (required.some((r, i) => r && !idx.includes(i))) continue;
    const rest = idx.slice(1).map((i) => (u[i]!.glue ? u[i]!.text : ` ${u[i]!.text}`)).join("");
    const first = u[idx[0]!]!.text;
    const cap = first.charAt(0).toUpperCase() + first.slice(1);
    for (const f of [first, cap, ` ${first}`, ` ${cap}`]) out.add(f + rest);
  }
  return out;
}

/** Walks `text` one byte-token at a time; null when a byte is refused. */
function walk(c: ReturnType<typeof subsequenceConstraint>, text: string): SubsequenceState | null {
  let s: SubsequenceState | null = c.start;
  for (const b of enc.encode(text)) {
    s = c.advance(s, [], b + 1, 100);
    if (s === null) return null;
  }
  return s;
}

test("sourceUnits: words with inner apostrophes and hyphens, marks one each, closing marks glued", () => {
  const u = sourceUnits("Islam's able-bodied (many) said: “no”...");
  assert.deepEqual(u.map((x) => x.text), ["Islam's", "able-bodied", "(", "many", ")", "said", ":", "“", "no", "”", ".", ".", "."]);
  assert.deepEqual(u.filter((x) => x.glue).map((x) => x.text), [")", ":", "”", ".", ".", "."]);
  assert.deepEqual(u.filter((x) => x.word).map((x) => x.text), ["Islam's", "able-bodied", "many", "said", "no"]);
});

test("the texts that may end are exactly the enumerated subsequences (minKeep, kept words, capitalised first unit)", () => {
  const tok = byteTokenizer([]);
  const rng = new Rng(7);
  for (const [source, minKeep, keep] of [["the cat sat, then slept.", 0.5, []], ["a big dog ran", 0, []], ["In 1990 Tom won.", 0.6, ["Tom"]], ["x, y", 1, []]] as const) {
    const c = subsequenceConstraint(tok, source, { minKeep, keep });
    const ok = allowedTexts(source, minKeep, keep);
    for (const t of ok) {
      const s = walk(c, t);
      assert.ok(s !== null && c.canEnd(s), `${JSON.stringify(source)}: should accept ${JSON.stringify(t)}`);
    }
    // Prefixes of allowed texts are walkable; random edits of allowed texts are accepted only if enumerated.
    const list = [...ok];
    for (let trial = 0; trial < 400; trial++) {
      const base = list[rng.int(list.length)]!;
      const i = rng.int(base.length + 1);
      const edited = [base.slice(0, i) + " " + base.slice(i), base.slice(0, i) + base.slice(i + 1), base.slice(0, i) + "e" + base.slice(i), base.slice(0, i)][rng.int(4)]!;
      const s = walk(c, edited);
      assert.equal(s !== null && c.canEnd(s), ok.has(edited), `${JSON.stringify(source)}: ${JSON.stringify(edited)}`);
      if (i < base.length) assert.ok(walk(c, base.slice(0, i)) !== null, `prefix ${JSON.stringify(base.slice(0, i))}`);
    }
  }
});

test("the mask allows a token exactly when advance accepts it", () => {
  const tok = byteTokenizer([" sat", " sat,", "the", " the", "n slept", "cat sat", ".", " then"]);
  const c = subsequenceConstraint(tok, "the cat sat, then slept.", { minKeep: 0.4 });
  const rng = new Rng(3);
  let s = c.start;
  for (let step = 0; step < 12; step++) {
    const lp = new Float64Array(tok.vocabSize);
    c.mask(s, [], lp, 50);
    const allowed: number[] = [];
    for (let id = 1; id < tok.vocabSize; id++) {
      const next = c.advance(s, [], id, 50);
      assert.equal(lp[id] !== -Infinity, next !== null, `step ${step}, token ${JSON.stringify(tok.tokenText(id))}`);
      if (next !== null) allowed.push(id);
    }
    assert.equal(lp[0], 0, "the end token is left to the search (canEnd)");
    if (allowed.length === 0) break;
    s = c.advance(s, [], allowed[rng.int(allowed.length)]!, 50)!;
  }
});

test("the delete penalty charges each skipped word, and the end of text the words left after it (worked by hand)", () => {
  const tok = byteTokenizer([" c", " b", "a", "c"]);
  const id = (t: string): number => tok.vocabSize - 4 + [" c", " b", "a", "c"].indexOf(t);
  const c = subsequenceConstraint(tok, "a b c d", { minKeep: 0, deletePenalty: 2 });
  const lp0 = new Float64Array(tok.vocabSize);
  c.mask(c.start, [], lp0, 10);
  assert.equal(lp0[id("a")], 0, "starting at the first word deletes nothing");
  assert.equal(lp0[id("c")], -4, "starting at c deletes a and b: 2 × 2");
  assert.equal(lp0[id(" c")], -4, "one space before the first unit is allowed");
  assert.equal(lp0[id(" b")], -2);
  const afterA = c.advance(c.start, [], id("a"), 10)!;
  const lp1 = new Float64Array(tok.vocabSize);
  c.mask(afterA, [], lp1, 10);
  assert.equal(lp1[id(" b")], 0);
  assert.equal(lp1[id(" c")], -2, "skipping b");
  assert.equal(lp1[0], -6, "ending after a deletes b, c and d");
  assert.equal(lp1[id("c")], -Infinity, "a later word needs its space");
});

test("a kept word cannot be deleted, and the source must hold a unit", () => {
  const tok = byteTokenizer([]);
  const c = subsequenceConstraint(tok, "so Tom ran home", { minKeep: 0, keep: ["tom"] });
  assert.equal(walk(c, "so ran"), null, "skipping Tom");
  const s = walk(c, "so");
  assert.ok(s !== null && !c.canEnd(s), "ending before Tom");
  const t = walk(c, "Tom");
  assert.ok(t !== null && c.canEnd(t));
  assert.throws(() => subsequenceConstraint(tok, "   "), /no words or punctuation/);
  assert.throws(() => subsequenceConstraint(tok, "a b", { minKeep: 2 }), /minKeep must be in \[0, 1\]/);
});

test("beam search under the constraint writes only subsequences of the source (stories260K)", (t) => {
  const dir = sharedOrSkip(t, "reference", "stories260K");
  if (dir === null) return;
  const m = createInferModel(loadModel(`${dir}/stories260K.gguf`), loadBackend({ threads: 1 }));
  const source = "Lily saw a big red ball in the park, and she was very happy.";
  for (const [minKeep, deletePenalty] of [[0.5, 0], [0.5, 1], [0.8, 3]] as const) {
    const c = subsequenceConstraint(m.tokenizer, source, { minKeep, deletePenalty });
    const ok = allowedTexts(source, minKeep);
    const r = beamSearchText(m, "Once upon a time,", { beams: 4, maxTokens: 40, nBest: 4 }, new Set([m.tokenizer.special.eos!]), c);
    for (const h of r.hypotheses) if (h.finishReason === "eos") assert.ok(ok.has(h.text), `${minKeep}/${deletePenalty}: ${JSON.stringify(h.text)}`);
    assert.ok(r.hypotheses.some((h) => h.finishReason === "eos"), "some hypothesis ends");
  }
});
