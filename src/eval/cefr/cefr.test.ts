// The CEFR pieces against hand-worked answers: the lexicon rule, the agreement scores, the decoding constraint on a
// byte-level tokenizer, and a tiny classifier (fresh 1-layer decoder) that must learn a toy keyword signal, write
// its directory and read it back to the same predictions. Seconds; the real run is in docs/applications.md.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadBackend } from "../../engine/backend.js";
import { trainBpe } from "../../tokenizer/index.js";
import { levelConstraint } from "./constraint.js";
import type { CefrRow } from "./data.js";
import { deriveLexicon, lexiconJson, readLexicon } from "./lexicon.js";
import { argmaxLevel, assessText, openCefr, predictProbs } from "./model.js";
import { scoreCefr } from "./report.js";
import { trainAndEvaluateCefr } from "./run.js";
import { sourceNames } from "./simplify.js";

const row = (raw: string, a: number, b: number, part = "Wiki-Auto"): CefrRow => ({ part, line: 1, raw, text: raw, a, b, label: Math.floor((a + b) / 2) });

test("lexicon: the lowest level with at least minSupport sentences at or below it; rarer words unknown", () => {
  const rows = [row("The cat .", 0, 0), row("The government .", 3, 3), row("Government policy .", 3, 3), row("The policy .", 4, 4)];
  const lex = deriveLexicon(rows, 2);
  // the: A1, B2, C1 → 2 sentences by B2. government: B2 twice → B2. policy: B2, C1 → C1. cat: once → unknown.
  assert.deepEqual(Object.fromEntries(lex.levels), { government: 3, policy: 4, the: 3 });
  assert.deepEqual(Object.fromEntries(deriveLexicon(rows, 1).levels), { cat: 0, government: 3, policy: 3, the: 0 });
  const dir = mkdtempSync(join(tmpdir(), "kotodama-lex-"));
  try {
    writeFileSync(join(dir, "l.json"), lexiconJson(lex));
    assert.deepEqual([...readLexicon(join(dir, "l.json")).levels], [...lex.levels]);
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ kind: "cefr-lexicon", minSupport: 2, words: { cat: 7 } }));
    assert.throws(() => readLexicon(join(dir, "bad.json")), /bad\.json.*word "cat": level 7 is not an integer 0\.\.5/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("scores: macro-F1 over present levels, within one, agreement with each annotator", () => {
  // labels floor((a+b)/2): [0, 1, 2, 2]; predictions [0, 2, 2, 3].
  const rows = [row("x", 0, 0), row("x", 1, 2), row("x", 2, 2), row("x", 1, 3)];
  const s = scoreCefr(rows, [0, 2, 2, 3]);
  assert.equal(s.combined.accuracy, 2 / 4);
  assert.equal(s.withinOne, 1);
  // per level F1: A1 1; A2 0 (missed); B1 p 1/2 r 1/2 → 1/2; B2 0 (predicted, absent) → mean over 4 present = 1.5/4.
  assert.ok(Math.abs(s.combined.macroF1 - 1.5 / 4) < 1e-12, String(s.combined.macroF1));
  assert.deepEqual(s.annotatorA, { exact: 2 / 4, withinOne: 3 / 4 });
  assert.deepEqual(s.annotatorB, { exact: 4 / 4, withinOne: 1 });
});

test("constraint: letters that can only grow into words above the target, or complete one, are penalised", () => {
  const tok = trainBpe({ texts: ["a cat and a dog and a category of things"], vocabSize: 270 });
  const lex = { minSupport: 2, levels: new Map([["cat", 0], ["catastrophe", 4], ["category", 1], ["dog", 0]]) };
  const c = levelConstraint(tok, lex, 1);
  assert.deepEqual([...c.forbidden], ["catastrophe"]);
  const byteId = (s: string): number => {
    for (let id = 0; id < tok.vocabSize; id++) if (tok.decode([id]) === s) return id;
    throw new Error(`no token ${s}`);
  };
  const after = (text: string): Float32Array => {
    const l = new Float32Array(tok.vocabSize);
    c.hook(l, tok.encode(text, { addBos: false }));
    return l;
  };
  const l1 = after("a cat");
  assert.equal(l1[byteId("a")], -Infinity, "cat + a → cata: only catastrophe");
  assert.equal(l1[byteId("e")], 0, "cate: category is allowed");
  assert.equal(l1[byteId("s")], 0, "cats: not in the lexicon, allowed");
  assert.equal(l1[byteId(".")], 0, "ends 'cat'");
  const l2 = after("a catastrophe");
  assert.equal(l2[byteId(".")], -Infinity, "completes catastrophe");
  assert.equal(l2[byteId("s")], 0, "catastrophes: unknown word");
  assert.equal(after("a ")[byteId("d")], 0);
  assert.deepEqual(c.violations("A Catastrophe, a cat."), ["catastrophe"]);
  assert.deepEqual([...levelConstraint(tok, lex, 1, { keep: ["Catastrophe"] }).forbidden], []);
  const soft = levelConstraint(tok, lex, 1, { penalty: 3 });
  const l3 = new Float32Array(tok.vocabSize).fill(1);
  soft.hook(l3, tok.encode("a cat", { addBos: false }));
  assert.equal(l3[byteId("a")], -2);
  assert.deepEqual(sourceNames("The Treaty of Paris was signed in Paris."), ["Treaty", "Paris", "Paris"]);
});

test("constraint: a character split across byte tokens does not end the word (\"Hélène\" kept, \"h\" above the target)", () => {
  // A byte-level BPE that never saw "é": it is written as 0xC3 0xA9, two tokens that each decode alone to U+FFFD.
  const tok = trainBpe({ texts: ["a cat and a dog and a category of things"], vocabSize: 270 });
  const lex = { minSupport: 2, levels: new Map([["h", 4], ["née", 4], ["cat", 0]]) };
  const c = levelConstraint(tok, lex, 1, { keep: ["Hélène"] });
  const byte = (x: number): number => {
    for (let id = 0; id < tok.vocabSize; id++) if (tok.tokenBytes(id).length === 1 && tok.tokenBytes(id)[0] === x) return id;
    throw new Error(`no byte token ${x}`);
  };
  const after = (ids: readonly number[]): Float32Array => {
    const l = new Float32Array(tok.vocabSize);
    c.hook(l, ids);
    return l;
  };
  const enc = (t: string): number[] => tok.encode(t, { addBos: false });
  // Before the fix, 0xC3 after " H" read as a boundary completing the forbidden word "h" (every beam writing the kept
  // name was masked: ASSET test line 52 under +edits+lex).
  assert.equal(after(enc("a H"))[byte(0xc3)], 0, "H + half of é: the word goes on");
  assert.equal(after([...enc("a H"), byte(0xc3)])[byte(0xa9)], 0, "hé: a prefix of the kept hélène");
  assert.equal(after(enc("a H"))[enc(".")[0]!], -Infinity, "the word 'h' completed by a period is still masked");
  // The finished character is read: "né" can only grow into "née" (above the target), so the byte that finishes é is
  // masked, as a whole-character token would be.
  assert.equal(after([...enc("a n"), byte(0xc3)])[byte(0xa9)], -Infinity, "né: only née below");
  assert.equal(after([...enc("a n"), byte(0xc3)])[byte(0xa8)], 0, "nè: no lexicon word below, allowed");
});

test("classifier: a fresh tiny decoder learns a keyword signal, scores it, and reads back from its directory", () => {
  const words = [["cat", 0], ["apple", 1], ["policy", 2], ["budget", 3], ["ontology", 4]] as const;
  const mk = (n: number, off: number): CefrRow[] => Array.from({ length: n }, (_, i) => {
    const [w, l] = words[i % words.length]!;
    return row(`Number ${i + off} is about the ${w} here.`, l, l, i % 2 === 0 ? "Wiki-Auto" : "SCoRE");
  });
  const dir = mkdtempSync(join(tmpdir(), "kotodama-cefr-"));
  try {
    const backend = loadBackend({ kind: "native", threads: 1 });
    const splits = { train: mk(60, 0), dev: mk(5, 500), test: mk(10, 900) };
    const r = trainAndEvaluateCefr({ splits, outDir: dir, backend, settings: { maxSteps: 80, batchSize: 8, lr: 3e-3, context: 16, vocabSize: 300, dim: 16, nLayers: 1, nHeads: 2 } });
    assert.equal(r.model.combined.accuracy, 1, JSON.stringify(r.model.combined.matrix));
    assert.equal(r.model.annotatorA.exact, 1);
    for (const f of ["metrics.json", "confusion.json", "confusion.svg", "lexicon.json", "head.safetensors"]) assert.ok(existsSync(join(dir, f)), f);
    const conf = JSON.parse(readFileSync(join(dir, "confusion.json"), "utf8")) as { model: number[][] };
    assert.deepEqual(conf.model.map((rw) => rw.reduce((a, b) => a + b, 0)), [2, 2, 2, 2, 2, 0]);
    const m = openCefr(dir, backend);
    assert.deepEqual(predictProbs(m, splits.test.map((x) => x.text)).map(argmaxLevel), splits.test.map((x) => x.label));
    const t = assessText(m, "Number 7 is about the cat here. Number 8 is about the ontology here. Number 9 is about the cat here.", 1);
    assert.deepEqual(t.distribution, { A1: 2, A2: 0, B1: 0, B2: 0, C1: 1, C2: 0 });
    assert.equal(t.hardest[0]!.level, "C1");
    writeFileSync(join(dir, "config.json"), JSON.stringify({ kind: "sft" }));
    assert.throws(() => openCefr(dir, backend), /config\.json: kind is "sft", expected "cefr-classifier"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
