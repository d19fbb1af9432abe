// Constrained decoding end to end: a property-based test (seeded random nested schemas, generation with random
// logits) where every output must JSON.parse and validate under ajv (an independent validator); token masks against
// a brute-force check of every token; byte-level tokens that split UTF-8 characters; EOS only where the grammar
// ends; schema errors naming the keyword; a real model (stories260K) generating under a schema.
// Not here: GBNF syntax (gbnf.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Ajv } from "ajv";
import { loadBackend } from "../../engine/backend.js";
import { loadModel } from "../../models/load.js";
import { loadTokenizer, type Tokenizer } from "../../tokenizer/index.js";
import { Rng } from "../../util/rng.js";
import { sharedOrSkip } from "../../util/paths.js";
import { generateText } from "../generate.js";
import { createInferModel } from "../model.js";
import { grammarConstraint, ConstraintCache } from "./constraint.js";
import { parseGbnf } from "./gbnf.js";
import { jsonSchemaToGbnf } from "./json-schema.js";
import { GrammarMasker } from "./mask.js";
import { Recognizer } from "./recognizer.js";
import { buildTokenTrie } from "./token-trie.js";
import { byteTokenizer, randomSchema } from "./constrain.fixture.js";

/** Generates with random logits (standard normal × 3, argmax) under the constraint; returns the text. */
function randomGeneration(masker: GrammarMasker, tok: Tokenizer, rng: Rng, maxTokens: number): { text: string; complete: boolean } {
  const c = grammarConstraint(masker, new Set([0]));
  const out: number[] = [];
  const logits = new Float32Array(tok.vocabSize);
  for (let step = 0; step < maxTokens; step++) {
    for (let i = 0; i < logits.length; i++) logits[i] = 3 * rng.normal();
    c.hook(logits, out);
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
    if (best === 0) return { text: tok.decode(out), complete: c.complete(out) };
    out.push(best);
  }
  return { text: tok.decode(out), complete: c.complete(out) };
}

test("property: random nested schemas, random logits — every output parses and validates (ajv)", () => {
  const tok = byteTokenizer();
  const cache = new ConstraintCache();
  const ajv = new Ajv({ strict: false });
  const rng = new Rng(15);
  let outputs = 0;
  for (let s = 0; s < 60; s++) {
    const useDefs = rng.next() < 0.3;
    const schema: Record<string, unknown> = randomSchema(rng, 3, useDefs);
    if (useDefs) schema.$defs = { item: randomSchema(rng, 1, false) };
    const validate = ajv.compile(schema);
    const masker = cache.masker(tok, { kind: "json-schema", schema, source: `schema ${s}` });
    for (let k = 0; k < 4; k++) {
      const g = randomGeneration(masker, tok, rng, 3000);
      assert.ok(g.complete, `schema ${s} ${JSON.stringify(schema)}: output incomplete: ${g.text}`);
      let value: unknown;
      assert.doesNotThrow(() => (value = JSON.parse(g.text)), `schema ${s}: not JSON: ${g.text}`);
      assert.ok(validate(value), `schema ${s} ${JSON.stringify(schema)}: ${g.text} fails: ${ajv.errorsText(validate.errors)}`);
      outputs++;
    }
  }
  assert.equal(outputs, 240);
});

test("masks equal a brute-force check of every token, along random generations (cache and context split included)", () => {
  const tok = byteTokenizer();
  const rng = new Rng(7);
  for (let s = 0; s < 12; s++) {
    const schema = randomSchema(rng, 3, false);
    const masker = new GrammarMasker(new Recognizer(parseGbnf(jsonSchemaToGbnf(schema))), buildTokenTrie(tok));
    let state = masker.start();
    const bits = new Uint32Array(masker.words);
    for (let step = 0; step < 200; step++) {
      masker.mask(state, bits);
      const allowed: number[] = [];
      for (let id = 0; id < tok.vocabSize; id++) {
        const brute = masker.stepToken(state, id) !== null;
        const masked = ((bits[id >>> 5]! >>> (id & 31)) & 1) === 1;
        assert.equal(masked, brute, `schema ${s} step ${step} token ${id} ${JSON.stringify(tok.tokenText(id))}`);
        if (brute) allowed.push(id);
      }
      if (allowed.length === 0) {
        assert.ok(masker.accepts(state));
        break;
      }
      state = masker.push(state, allowed[rng.int(allowed.length)]!);
    }
  }
});

test("UTF-8 split across tokens: a partial character is allowed only where its character is", () => {
  const tok = byteTokenizer();
  const masker = new GrammarMasker(new Recognizer(parseGbnf('root ::= "\\"" "名前" "\\""')), buildTokenTrie(tok));
  const enc = new TextEncoder();
  const id = (b: Uint8Array): number => Array.from({ length: tok.vocabSize }, (_, i) => i).find((i) => tok.tokenBytes(i).length === b.length && tok.tokenBytes(i).every((x, j) => x === b[j]))!;
  const mei = enc.encode("名前");
  let st = masker.start();
  const bits = new Uint32Array(masker.words);
  masker.mask(st, bits);
  const allowed = (i: number): boolean => ((bits[i >>> 5]! >>> (i & 31)) & 1) === 1;
  assert.ok(allowed(id(Uint8Array.of(0x22, mei[0]!)))); // '"' + the first byte of 名
  assert.ok(allowed(id(enc.encode('"名'))) && allowed(id(Uint8Array.of(0x22))));
  assert.ok(!allowed(id(Uint8Array.of(0x22, 0x22))) && !allowed(id(Uint8Array.of(mei[0]!))));
  st = masker.push(st, id(Uint8Array.of(0x22, mei[0]!)));
  masker.mask(st, bits);
  assert.ok(allowed(id(mei.subarray(1, 2))) && !allowed(id(enc.encode("名前"))) && !allowed(id(Uint8Array.of(0x22))));
  st = masker.push(st, id(mei.subarray(1, 2)));
  masker.mask(st, bits);
  assert.ok(allowed(id(Uint8Array.of(mei[2]!, ...mei.subarray(3))))); // the tail of 名 + 前 in one token
  assert.ok(!masker.accepts(st));
});

test("end of sequence only where the grammar may end; nothing but it once the value is closed", () => {
  const tok = byteTokenizer();
  const masker = new GrammarMasker(new Recognizer(parseGbnf('root ::= "ab" "c"?')), buildTokenTrie(tok));
  const c = grammarConstraint(masker, new Set([0]));
  const logits = new Float32Array(tok.vocabSize);
  c.hook(logits, []);
  assert.equal(logits[0], -Infinity);
  const ab = tok.vocabSize - 1 - [...Array(tok.vocabSize).keys()].reverse().findIndex((i) => tok.tokenText(i) === "ab");
  logits.fill(0);
  c.hook(logits, [ab]);
  assert.deepEqual([...logits.keys()].filter((i) => logits[i] === 0).map((i) => tok.tokenText(i)), ["", "c"]);
  logits.fill(0);
  c.hook(logits, [ab, 1 + 0x63]);
  assert.deepEqual([...logits.keys()].filter((i) => logits[i] === 0), [0]);
});

test("schema errors name the keyword and where it is", () => {
  const err = (schema: unknown): string => {
    try {
      jsonSchemaToGbnf(schema, "s.json");
    } catch (e) {
      return (e as Error).message;
    }
    return "(no error)";
  };
  assert.match(err({ type: "object", properties: { id: { type: "string", pattern: "^[a-z]+$" } } }), /^s\.json: at \/properties\/id\/pattern: the keyword "pattern" is not supported/);
  assert.match(err({ type: "integer", minimum: 0 }), /at \/minimum: the keyword "minimum" is not supported/);
  assert.equal(err({ $defs: { a: {} }, $ref: "#/$defs/nope" }), 's.json: at /$ref: "#/$defs/nope" does not resolve (no "nope")');
  assert.equal(err({ $ref: "other.json#/x" }), 's.json: at /$ref: only local references (#/$defs/NAME) are supported, got "other.json#/x"');
  assert.equal(err({ type: "strin" }), 's.json: at /type: expects one of object, array, string, number, integer, boolean, null, got "strin"');
  assert.equal(err({ type: "array", minItems: 3, maxItems: 1 }), "s.json: at the root: minItems/maxItems: the maximum 1 is below the minimum 3");
});

test("recursive schemas through $defs (a tree) compile and generate valid values", () => {
  const tok = byteTokenizer();
  const schema = { $defs: { node: { type: "object", properties: { v: { type: "integer" }, kids: { type: "array", items: { $ref: "#/$defs/node" }, maxItems: 2 } }, required: ["v"] } }, $ref: "#/$defs/node" };
  const validate = new Ajv({ strict: false }).compile(schema);
  const masker = new ConstraintCache().masker(tok, { kind: "json-schema", schema, source: "tree" });
  const rng = new Rng(3);
  for (let k = 0; k < 10; k++) {
    const g = randomGeneration(masker, tok, rng, 3000);
    assert.ok(g.complete && validate(JSON.parse(g.text)), g.text);
  }
});

test("stories260K under a schema: generate() with the constraint hook gives valid JSON (llama SPM, byte fallback)", async (t) => {
  const dir = sharedOrSkip(t, "reference", "stories260K");
  if (dir === null) return;
  const model = createInferModel(loadModel(`${dir}/stories260K.gguf`), loadBackend({ threads: 1 }));
  const schema = { type: "object", properties: { name: { type: "string", maxLength: 12 }, happy: { type: "boolean" }, friends: { type: "array", items: { type: "string", maxLength: 8 }, maxItems: 2 } }, required: ["name", "happy", "friends"], additionalProperties: false };
  const validate = new Ajv().compile(schema);
  const masker = new ConstraintCache().masker(model.tokenizer, { kind: "json-schema", schema, source: "schema" });
  for (const seed of [1, 2, 3]) {
    const c = grammarConstraint(masker, new Set([model.tokenizer.special.eos!]));
    const r = await generateText(model, "Once upon a time", { seed, temperature: 1, maxTokens: 120 }, undefined, { logits: c.hook });
    assert.ok(c.complete(r.ids) && r.finishReason === "eos", `${r.finishReason}: ${r.text}`);
    assert.ok(validate(JSON.parse(r.text)), r.text);
  }
});

test("llama SPM 32k vocabulary (byte-fallback tokens, ▁ spaces): masks equal brute force along random generations", (t) => {
  const file = sharedOrSkip(t, "reference", "tokenizers", "ggml-vocab-llama-spm.gguf");
  if (file === null) return;
  const tok = loadTokenizer(file);
  const trie = buildTokenTrie(tok);
  const schema = { type: "object", properties: { name: { type: "string", maxLength: 6 }, tags: { type: "array", items: { enum: ["名前", "x y"] }, maxItems: 2 }, n: { type: "number" } }, required: ["name", "tags", "n"] };
  const validate = new Ajv().compile(schema);
  const masker = new GrammarMasker(new Recognizer(parseGbnf(jsonSchemaToGbnf(schema))), trie);
  const rng = new Rng(32);
  const bits = new Uint32Array(masker.words);
  for (let run = 0; run < 3; run++) {
    let state = masker.start();
    const ids: number[] = [];
    for (let step = 0; step < 60; step++) {
      masker.mask(state, bits);
      const allowed: number[] = [];
      for (let id = 0; id < tok.vocabSize; id++) {
        const brute = masker.stepToken(state, id) !== null;
        assert.equal(((bits[id >>> 5]! >>> (id & 31)) & 1) === 1, brute, `run ${run} step ${step} token ${id} ${JSON.stringify(tok.tokenText(id))}`);
        if (brute) allowed.push(id);
      }
      if (masker.accepts(state) && (allowed.length === 0 || rng.next() < 0.5)) break;
      const id = allowed[rng.int(allowed.length)]!;
      ids.push(id);
      state = masker.push(state, id);
    }
    if (masker.accepts(state)) {
      const text = new TextDecoder().decode(Uint8Array.from(ids.flatMap((i) => [...tok.tokenBytes(i)])));
      assert.ok(validate(JSON.parse(text)), text);
    }
  }
});

test("greedy fast path (hooks.allows): the same ids as masking every step, with far fewer masks", async (t) => {
  const dir = sharedOrSkip(t, "reference", "stories260K");
  if (dir === null) return;
  const model = createInferModel(loadModel(`${dir}/stories260K.gguf`), loadBackend({ threads: 1 }));
  const schema = { type: "object", properties: { who: { type: "string", maxLength: 20 }, n: { type: "integer" }, ok: { type: "boolean" } }, required: ["who", "n", "ok"] };
  const eos = new Set([model.tokenizer.special.eos!]);
  for (const prompt of ["Once upon a time", "Lily had a"]) {
    const slow = new ConstraintCache().masker(model.tokenizer, { kind: "json-schema", schema, source: "s" });
    const fast = new ConstraintCache().masker(model.tokenizer, { kind: "json-schema", schema, source: "s" });
    const a = await generateText(model, prompt, { temperature: 0, maxTokens: 100 }, undefined, { logits: grammarConstraint(slow, eos).hook });
    const b = await generateText(model, prompt, { temperature: 0, maxTokens: 100 }, undefined, grammarConstraint(fast, eos).hooks);
    assert.deepEqual(b.ids, a.ids);
    assert.equal(a.finishReason, "eos");
    assert.ok(fast.stats.computed + fast.stats.hits < slow.stats.computed + slow.stats.hits, `${JSON.stringify(fast.stats)} vs ${JSON.stringify(slow.stats)}`);
    JSON.parse(b.text);
  }
});
