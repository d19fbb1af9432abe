// Unigram (tokenizer.json model.type "Unigram") against answers derived by hand on small vocabularies: the best
// path, ties (the earlier start wins), unknown runs fused, byte fallback, Metaspace prepend schemes and split,
// T5's WhitespaceSplit, normalizers; the conformance suite; bounded ids. Not here: Hugging Face's own output
// (no Python here) — the hand answers follow tokenizers' model.rs semantics, cited in unigram.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FormatError } from "../util/errors.js";
import { checkTokenizer } from "./conformance.js";
import { parseHfTokenizer } from "./hf-json.js";

const BYTES = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);

function json(vocab: [string, number][], extra: Record<string, unknown> = {}, model: Record<string, unknown> = {}): string {
  return JSON.stringify({ version: "1.0", added_tokens: [], normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, ...extra, model: { type: "Unigram", unk_id: 0, vocab, byte_fallback: false, ...model } });
}

test("unigram: the best path (Hugging Face's documented example), unknown runs fused into one unk", () => {
  const tok = parseHfTokenizer(json([["<unk>", 0], ["a", 0], ["b", 0], ["c", 0], ["d", 0], ["cd", 1], ["ab", 2], ["abc", 5], ["abcd", 10]]), "u.json");
  // abcd (10) beats abc+d (5) and ab+cd (3); "acd": a+cd (1) beats a+c+d (0); "xx" has no piece: one fused unk.
  assert.deepEqual(tok.encode("abcdacdxx"), [8, 1, 5, 0]);
  assert.deepEqual(tok.encode("xaxx"), [0, 1, 0]);
});

test("unigram: ties keep the first path to reach a position, as encode_optimized's strict '>'", () => {
  const tok = parseHfTokenizer(json([["<unk>", -5], ["a", -1], ["b", -1], ["ab", -2], ["bc", -2], ["c", -1]]), "u.json");
  assert.deepEqual(tok.encode("ab"), [3]); // ab (-2) vs a+b (-2): ab was found first
  // "abc": a+bc, ab+c, a+b+c all score -3. Position 3 is first reached from start 1 (bc, while scanning i=1);
  // ab+c arrives at i=2 and is not strictly better, so a|bc stays.
  assert.deepEqual(tok.encode("abc"), [1, 4]);
});

test("unigram: byte fallback spells unknown text as <0xXX> tokens; without a byte piece it is unk", () => {
  const vocab: [string, number][] = [["<unk>", 0], ...BYTES.map((b): [string, number] => [b, -10]), ["a", -1], ["\u2581", -2]];
  const tok = parseHfTokenizer(json(vocab, {}, { byte_fallback: true }), "u.json");
  const a = 257;
  assert.deepEqual(tok.encode("aあa"), [a, 1 + 0xe3, 1 + 0x81, 1 + 0x82, a]);
  assert.deepEqual(tok.encode("xy"), [1 + 0x78, 1 + 0x79]); // the fused run "xy", byte by byte
  assert.equal(tok.decode(tok.encode("aあxa")), "aあxa");
  const partial = parseHfTokenizer(json(vocab.filter(([t]) => t !== "<0x81>"), {}, { byte_fallback: true }), "u.json");
  assert.deepEqual(partial.encode("あ"), [0]); // a byte without a piece: the whole run is unk
});

test("unigram: Metaspace prepend_scheme always / first / never, split, and the decoder", () => {
  const vocab: [string, number][] = [["<unk>", 0], ["</s>", 0], ["\u2581", -3], ["\u2581a", -1], ["b", -2], ["a", -2], ["\u2581b", -1], ["a\u2581b", -0.5]];
  const added = [{ id: 1, content: "</s>", special: true }];
  const mk = (scheme: string, split: boolean) => parseHfTokenizer(json(vocab, { added_tokens: added, pre_tokenizer: { type: "Metaspace", replacement: "\u2581", prepend_scheme: scheme, split } }), "u.json");
  // "a b": always → "▁a▁b"; split cuts "▁a" | "▁b"; without split "▁" + "a▁b" (-3.5) loses to "▁a" + "▁b" (-2).
  assert.deepEqual(mk("always", true).encode("a b"), [3, 6]);
  assert.deepEqual(mk("never", true).encode("a b"), [5, 6]);
  assert.deepEqual(mk("never", false).encode("a b"), [7]); // "a▁b" whole (-0.5)
  // After an added token: "always" prefixes again, "first" does not.
  assert.deepEqual(mk("always", true).encode("a</s>b", { allowSpecial: true }), [3, 1, 6]);
  assert.deepEqual(mk("first", true).encode("a</s>b", { allowSpecial: true }), [3, 1, 4]);
  // Plain text never yields the control token; decode drops the first token's prefixed space.
  assert.ok(!mk("always", true).encode("a</s>b").includes(1));
  assert.equal(mk("always", true).decode([3, 6]), "a b");
});

test("unigram: T5's WhitespaceSplit + Metaspace and a normalizer chain (Strip, Replace, NFKC)", () => {
  const vocab: [string, number][] = [["<unk>", 0], ["\u2581", -3], ["\u2581ab", -1], ["\u2581c", -1], ["A", -1]];
  const tok = parseHfTokenizer(json(vocab, {
    normalizer: { type: "Sequence", normalizers: [{ type: "Strip", left: true, right: true }, { type: "Replace", pattern: { String: "A" }, content: "a" }, { type: "NFKC" }] },
    pre_tokenizer: { type: "Sequence", pretokenizers: [{ type: "WhitespaceSplit" }, { type: "Metaspace", replacement: "\u2581", prepend_scheme: "always", split: true }] },
  }), "u.json");
  // "  Ab \t ｃ " → strip → "Ab \t ｃ" → "ab \t ｃ" → NFKC "ab \t c" → words ab, c → ▁ab ▁c
  assert.deepEqual(tok.encode("  Ab \t ｃ "), [2, 3]);
});

test("unigram: conformance suite (byte fallback, Metaspace)", () => {
  const chars = [..."Once upon a time there was little girl 吾輩は猫である。名前はまだ無い。カタカナ,.!0123456789"];
  const pieces = ["\u2581the", "\u2581a", "\u2581was", "\u2581time", "\u2581upon", "吾輩", "である", "\u2581Once", "はま", "カタカナ"];
  const vocab: [string, number][] = [["<unk>", 0], ["<s>", 0], ["</s>", 0], ...BYTES.map((b): [string, number] => [b, -12]), ["\u2581", -4]];
  for (const c of new Set(chars)) if (c !== " ") vocab.push([c, -5]);
  pieces.forEach((p, i) => vocab.push([p, -2 - i / 10]));
  const tok = parseHfTokenizer(json(vocab, {
    added_tokens: [{ id: 0, content: "<unk>", special: true }, { id: 1, content: "<s>", special: true }, { id: 2, content: "</s>", special: true }],
    pre_tokenizer: { type: "Metaspace", replacement: "\u2581", prepend_scheme: "always", split: true },
    post_processor: { type: "TemplateProcessing", single: [{ SpecialToken: { id: "<s>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }] },
  }, { byte_fallback: true }), "u.json");
  assert.equal(tok.special.bos, 1);
  assert.deepEqual(tok.encode("Once upon a time", { addBos: false }), [vocab.findIndex(([t]) => t === "\u2581Once"), vocab.findIndex(([t]) => t === "\u2581upon"), vocab.findIndex(([t]) => t === "\u2581a"), vocab.findIndex(([t]) => t === "\u2581time")]);
  checkTokenizer(tok, { lossless: false });
});

test("unigram: broken files are FormatErrors naming file and field, ids bounded before allocation", () => {
  const bad = (doc: string, re: RegExp): void => assert.throws(() => parseHfTokenizer(doc, "bad.json"), (e: unknown) => e instanceof FormatError && /^bad\.json: /.test(e.message) && re.test(e.message), re.source);
  bad(json([["<unk>", 0]], {}, { unk_id: 5 }), /unk_id = 5/);
  bad(json([["<unk>", 0]], {}, { unk_id: 2 ** 40 }), /unk_id = 1099511627776/);
  bad(json([["<unk>", 0], ["a", "x"] as unknown as [string, number]]), /model\.vocab\[1\]/);
  bad(json([["<unk>", 0]], { added_tokens: [{ id: 2 ** 40, content: "<x>", special: true }] }), /added_tokens\[0\]\.id = 1099511627776 is beyond/);
  bad(json([["<unk>", 0]], { added_tokens: [{ id: 0, content: "<x>", special: true }] }), /'<x>' has id 0, which model\.vocab gives to '<unk>'/);
  bad(json([["<unk>", 0]], { normalizer: { type: "Precompiled", precompiled_charsmap: "AAAA" } }), /Precompiled/);
  bad(json([["<unk>", 0]], { pre_tokenizer: { type: "Metaspace", prepend_scheme: "sometimes" } }), /prepend_scheme 'sometimes'/);
});
