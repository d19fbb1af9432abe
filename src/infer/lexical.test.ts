// NeuroLogic lexical constraints: word-boundary matching by hand, and a property test on stories260K — random
// satisfiable constraint sets (words of the vocabulary, must-include clauses with alternatives and must-not-include
// words, some of them words the unconstrained model writes) are always met by the beam search's output, checked
// on the decoded text by checkLexical. Not here: the search itself (beam.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadBackend } from "../engine/backend.js";
import { loadModel } from "../models/load.js";
import { Rng } from "../util/rng.js";
import { sharedOrSkip } from "../util/paths.js";
import { beamSearchText } from "./beam.js";
import { checkLexical, lexicalConstraint, occurrences, parseLexicalSpec } from "./lexical.js";
import { createInferModel } from "./model.js";

test("occurrences: word boundaries on both sides, the end of text as a boundary only when told", () => {
  assert.deepEqual(occurrences("the dog ran", "dog"), [4]);
  assert.deepEqual(occurrences("dogma", "dog"), []);
  assert.deepEqual(occurrences("hotdog", "dog"), []);
  assert.deepEqual(occurrences("a dog", "dog"), [2]);
  assert.deepEqual(occurrences("a dog", "dog", true, false), []); // "dog" may still grow into "dogs"
  assert.deepEqual(occurrences("dog, dog.", "dog"), [0, 5]);
  assert.deepEqual(occurrences("mount fuji is", "mount fuji"), [0]);
  assert.deepEqual(occurrences("og x", "og", false), []); // the text before w ends in a letter
  assert.deepEqual(occurrences("x!y", "!"), [1]); // phrases that start/end with punctuation need no boundary there
});

test("parseLexicalSpec and checkLexical: alternatives, case, errors naming the flag", () => {
  const spec = parseLexicalSpec(["dog|dogs", " Mount  Fuji "], ["cat"], "generate");
  assert.deepEqual(spec, { include: [["dog", "dogs"], ["Mount Fuji"]], exclude: ["cat"] });
  assert.deepEqual(checkLexical(spec, "Two dogs saw mount fuji."), { missing: [], present: [] });
  assert.deepEqual(checkLexical(spec, "A dogma; a Cat."), { missing: ["dog|dogs", "Mount Fuji"], present: ["cat"] });
  assert.deepEqual(checkLexical(spec, "catalogue of dogs near Mount Fuji").present, []);
  assert.throws(() => parseLexicalSpec(["dog|"], [], "generate"), /generate: --include "dog\|" has an empty phrase/);
  assert.throws(() => parseLexicalSpec([], [" "], "simplify"), /simplify: --exclude " " has an empty phrase/);
});

test("stories260K: random satisfiable constraint sets are always met (property test, 24 sets)", (t) => {
  const dir = sharedOrSkip(t, "reference", "stories260K");
  if (dir === null) return;
  const m = createInferModel(loadModel(`${dir}/stories260K.gguf`), loadBackend({ threads: 1 }));
  const tok = m.tokenizer;
  // Words of the vocabulary: whole-word pieces "▁word" of 3+ lowercase letters.
  const words = [...new Set(Array.from({ length: tok.vocabSize }, (_, id) => tok.tokenText(id)).filter((s) => /^▁[a-z]{3,}$/.test(s)).map((s) => s.slice(1)))];
  assert.ok(words.length > 20, `only ${words.length} words`);
  const rng = new Rng(2026);
  // A third are two words run together ("catball"): several tokens, so the phrase must be tracked across tokens.
  const pick = (): string => words[rng.int(words.length)]! + (rng.int(3) === 0 ? words[rng.int(words.length)]! : "");
  const prompts = ["Once upon a time", "The little dog", "Tom and Lily went"];
  let met = 0, changed = 0;
  const N = 24;
  for (let trial = 0; trial < N; trial++) {
    const prompt = prompts[trial % prompts.length]!;
    const free = beamSearchText(m, prompt, { beams: 3, maxTokens: 30 });
    const said = (free.text.toLowerCase().match(/[a-z]{3,}/g) ?? []).filter((w) => words.includes(w));
    const clauses: string[] = [];
    for (let c = 0, n = 1 + rng.int(3); c < n; c++) clauses.push(rng.int(2) === 0 ? pick() : `${pick()}|${pick()}`);
    const used = new Set(clauses.flatMap((c) => c.split("|")));
    // Exclusions: a word the unconstrained output contains (so the mask has work to do) and a random one.
    const exclude = [...(said.length > 0 ? [said[rng.int(said.length)]!] : []), pick()].filter((w) => !used.has(w));
    const spec = parseLexicalSpec(clauses, exclude, "test");
    const c = lexicalConstraint(tok, spec, 30);
    assert.ok(c.enforced, `trial ${trial}: ${clauses.join(", ")} should fit in 30 tokens`);
    const r = beamSearchText(m, prompt, { beams: 3, maxTokens: 30 }, undefined, c);
    const chk = checkLexical(spec, r.text);
    if (chk.missing.length === 0 && chk.present.length === 0) met++;
    else t.diagnostic(`trial ${trial}: "${r.text}" include ${clauses.join(", ")} exclude ${exclude.join(", ")}: missing ${chk.missing.join(", ")} present ${chk.present.join(", ")}`);
    if (r.text !== free.text) changed++;
  }
  assert.equal(met, N);
  assert.equal(changed, N); // every set changed the output: the constraints did the work, not luck
});

test("clauses that do not fit in max tokens are not enforced (the search still ends); exclusions still hold", (t) => {
  const dir = sharedOrSkip(t, "reference", "stories260K");
  if (dir === null) return;
  const m = createInferModel(loadModel(`${dir}/stories260K.gguf`), loadBackend({ threads: 1 }));
  const spec = parseLexicalSpec(["elephant", "butterfly", "garden"], ["the"], "test");
  const c = lexicalConstraint(m.tokenizer, spec, 2);
  assert.equal(c.enforced, false);
  const r = beamSearchText(m, "Once upon a time", { beams: 2, maxTokens: 2 }, undefined, c);
  assert.equal(r.hypotheses[0]!.ids.length <= 2, true);
  assert.deepEqual(checkLexical(spec, r.text).present, []);
});

test("stories260K: the exclusion mask equals a brute-force check of every token at every prefix", (t) => {
  const dir = sharedOrSkip(t, "reference", "stories260K");
  if (dir === null) return;
  const tok = createInferModel(loadModel(`${dir}/stories260K.gguf`), loadBackend({ threads: 1 })).tokenizer;
  const utf8 = new TextDecoder();
  const piece = (id: number): string => (tok.isControl?.(id) === true ? "" : utf8.decode(tok.tokenBytes(id)).toLowerCase());
  const exclude = ["the", "cat sat", "mat!", "a"];
  const c = lexicalConstraint(tok, { include: [], exclude }, 64);
  // Complete occurrences: followed by a non-word character, or by the end when the text ends there.
  const complete = (s: string, p: string, atEnd: boolean): number => occurrences(s, p, true, atEnd).length;
  let masked = 0;
  for (const text of ["The cat sat on the mat! Then a cat sat there.", "athe theme, the"]) {
    const ids = tok.encode(text, { addBos: false });
    let s = c.start;
    for (let k = 0; k <= ids.length; k++) {
      for (const remaining of [5, 1]) {
        const lp = new Float64Array(tok.vocabSize);
        c.mask(s, ids.slice(0, k), lp, remaining);
        for (let id = 0; id < tok.vocabSize; id++) {
          if (piece(id) === "") continue;
          const w = s.text + piece(id);
          const bad = exclude.some((p) => complete(w, p, remaining === 1) > complete(s.text, p, false));
          assert.equal(lp[id] === -Infinity, bad, `after ${JSON.stringify(s.text)}, token ${JSON.stringify(piece(id))}, remaining ${remaining}`);
          if (bad) masked++;
        }
      }
      if (k < ids.length) s = c.advance(s, ids.slice(0, k), ids[k]!, 64)!;
    }
  }
  assert.ok(masked > 100, `only ${masked} masked: the check would not tell a mask from none`);
});
