// Span edits by hand: parsing against the source (errors name the flag), their lexical spec, the level
// constraint's exemption of kept words and their prefixes, and withLogitsHook's transfer of a hook's masks and
// penalties onto log-probabilities. Not here: the search (infer/beam.test.ts), simplify end to end (CLI test).
import assert from "node:assert/strict";
import { test } from "node:test";
import { lexicalConstraint } from "../../infer/index.js";
import { trainBpe } from "../../tokenizer/index.js";
import { levelConstraint } from "./constraint.js";
import { editsToLexical, editWords, parseSpanEdits, withLogitsHook } from "./edits.js";

const SRC = "The deliberations on Mount Fuji were inconclusive, notwithstanding extensive consultation.";

test("parseSpanEdits: spans of the source (any case, word boundaries); OLD=>NEW|OTHER; errors name the flag", () => {
  const e = parseSpanEdits(SRC, ["mount  fuji"], ["Notwithstanding"], ["inconclusive=>not clear|unclear"], "simplify");
  assert.deepEqual(e, { keep: ["mount fuji"], delete: ["Notwithstanding"], replace: [["inconclusive", ["not clear", "unclear"]]] });
  assert.deepEqual(editsToLexical(e, { include: [["yes"]], exclude: ["no"] }), {
    include: [["mount fuji"], ["not clear", "unclear"], ["yes"]],
    exclude: ["Notwithstanding", "inconclusive", "no"],
  });
  assert.deepEqual(editWords(e), ["mount", "fuji", "not", "clear", "unclear"]);
  assert.throws(() => parseSpanEdits(SRC, ["Fuj"], [], [], "simplify"), /simplify: --keep "Fuj" does not occur in the source sentence/);
  assert.throws(() => parseSpanEdits(SRC, [], [" "], [], "simplify"), /--delete " " is empty/);
  assert.throws(() => parseSpanEdits(SRC, [], [], ["Fuji=>"], "simplify"), /--replace "Fuji=>" has no replacement/);
  assert.throws(() => parseSpanEdits(SRC, [], [], ["Everest=>hill"], "simplify"), /--replace "Everest" does not occur/);
});

test("level constraint: a kept word stays writable token by token although the only lexicon word at its prefix is above the level", () => {
  const tok = trainBpe({ texts: ["f u j i t a fuji fujita"], vocabSize: 263 });
  const lex = { minSupport: 2, levels: new Map([["fujita", 3], ["fun", 0]]) };
  const letter = (ch: string): number => tok.encode(ch, { addBos: false })[0]!;
  const blocked = (keep: string[]): boolean => {
    const l = new Float32Array(tok.vocabSize);
    levelConstraint(tok, lex, 1, { keep }).hook(l, tok.encode("fu", { addBos: false }));
    return l[letter("j")] === -Infinity;
  };
  assert.equal(blocked([]), true, "fu + j → fuj: only fujita (B2) below it");
  assert.equal(blocked(["Fuji"]), false, "fuji kept: fuj leads to an allowed word");
});

test("withLogitsHook: −∞ from the hook masks, a penalty moves the log-probability by the same amount", () => {
  const tok = trainBpe({ texts: ["a b c"], vocabSize: 263 });
  const lex = lexicalConstraint(tok, { include: [], exclude: [] }, 8);
  const c = withLogitsHook(lex, (l) => {
    l[97] = -Infinity;
    l[98]! -= 2.5;
  });
  const lp = new Float64Array(tok.vocabSize).fill(-5.5);
  c.mask(c.start, [], lp, 8);
  assert.equal(lp[97], -Infinity);
  assert.ok(Math.abs(lp[98]! - -8) < 1e-6);
  assert.equal(lp[99], -5.5);
});
