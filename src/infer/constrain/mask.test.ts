// The fast masks (mask.ts: trie walk over the byte automaton, cut-stack cache, contextual tokens) against the
// executable specification (reference.ts: every token stepped through a recognizer of its own), on many random
// grammar states — GBNF grammars and random JSON Schemas, on a byte-level test vocabulary, llama SPM 32k and Qwen2
// 151k — and the automaton's states against the reference's stacks. Not here: schema validity of whole outputs
// (json-schema.test.ts), GBNF syntax (gbnf.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadTokenizer } from "../../tokenizer/index.js";
import { sharedOrSkip } from "../../util/paths.js";
import { Rng } from "../../util/rng.js";
import { byteTokenizer, randomSchema } from "./constrain.fixture.js";
import { grammarConstraint } from "./constraint.js";
import { jsonObjectGbnf, jsonSchemaToGbnf } from "./json-schema.js";
import { parseGbnf } from "./gbnf.js";
import { GrammarMasker } from "./mask.js";
import { Recognizer } from "./recognizer.js";
import { referenceMask, referenceStepBytes, type RefState } from "./reference.js";
import { buildTokenTrie, type TokenTrie } from "./token-trie.js";

/** GBNF grammars that stress what JSON does not: Unicode classes and negations, `.`, ambiguity (several stacks at
 *  once), nullable rules, bounded repetition, multi-byte literals. */
const GRAMMARS = [
  'root ::= expr\nexpr ::= term ([-+*/] term)*\nterm ::= [0-9]+ | "(" expr ")"',
  'root ::= item+\nitem ::= "- " [a-z ]{1,20} "\\n"',
  'root ::= ("a" | "ab" | "abc")* "c"? [^a-c]{0,3}',
  'root ::= [ぁ-んァ-ン]{1,6} ("、" | "。") . .?',
  'root ::= "名前" [^"\\\\\\x00-\\x1f]* "\\"" | "é"+ [\\u00e0-\\u00ff]{2}',
  'root ::= x y\nx ::= "" | "{" x "}"\ny ::= [ \\t\\n]* ("true" | "false" | "null")',
  // Tokens that must pop below the 3 positions a cut stack keeps ("abc", "ab" then "c!", "12" then "}]"): the
  // context-dependent tokens.
  'root ::= l1 "c" "!"?\nl1 ::= l2 "!"?\nl2 ::= l3 "?"?\nl3 ::= "a" "b"?',
  'root ::= v\nv ::= "[" (v ("," v)*)? "]" | "{" "\\"" [a-z]+ "\\":" v "}" | [0-9]+',
];

/** Random generations under `masker`, each step comparing its mask with the reference's (walk-every-token) and its
 *  state's stacks with the reference's (the same positions, though the two recognizers number stacks apart). */
function compareAlong(label: string, gbnf: string, trie: TokenTrie, rng: Rng, runs: number, steps: number, maxDfaStates?: number): number {
  const masker = new GrammarMasker(new Recognizer(parseGbnf(gbnf, label)), trie, maxDfaStates);
  // Half the grammars precomputed (every reachable cut-stack mask first), half computed on first use.
  if (rng.next() < 0.5) masker.precompute(5000, 2000);
  const ref = new Recognizer(parseGbnf(gbnf, label));
  const fast = new Uint32Array(masker.words), slow = new Uint32Array(masker.words);
  const flat = (st: RefState["stacks"]): string[] => st.map((s) => {
    const pos: number[] = [];
    for (let t: typeof s | null = s; t !== null; t = t.next) pos.push(t.pos);
    return pos.join(" ");
  }).sort();
  let compared = 0;
  for (let run = 0; run < runs; run++) {
    let state = masker.start();
    let rs: RefState = { stacks: ref.start(), cp: 0, need: 0 };
    for (let step = 0; step < steps; step++) {
      masker.mask(state, fast);
      referenceMask(ref, trie, rs, slow);
      for (let w = 0; w < fast.length; w++) {
        if (fast[w] === slow[w]) continue;
        const bad = [...Array(32).keys()].map((j) => w * 32 + j).filter((id) => ((fast[w]! ^ slow[w]!) >>> (id & 31)) & 1);
        assert.fail(`${label} run ${run} step ${step}: token ${bad[0]} ${JSON.stringify(new TextDecoder().decode(trie.bytes[bad[0]!]))} fast ${(fast[w]! >>> (bad[0]! & 31)) & 1} reference ${(slow[w]! >>> (bad[0]! & 31)) & 1}`);
      }
      assert.equal(masker.accepts(state), rs.need === 0 && ref.accepts(rs.stacks), `${label} run ${run} step ${step}: accepts`);
      compared++;
      const allowed: number[] = [];
      for (let id = 0; id < trie.vocabSize; id++) if ((slow[id >>> 5]! >>> (id & 31)) & 1) allowed.push(id);
      if (allowed.length === 0 || (masker.accepts(state) && rng.next() < 0.15)) break;
      const id = allowed[rng.int(allowed.length)]!;
      state = masker.push(state, id);
      rs = referenceStepBytes(ref, rs, trie.bytes[id]!)!;
      assert.deepEqual([state.cp, state.need, flat(state.stacks)], [rs.cp, rs.need, flat(rs.stacks)], `${label} run ${run} step ${step}: state after token ${id}`);
    }
  }
  return compared;
}

/** Random schemas and the GBNF grammars; `fresh` maskers per run keep first visits (cold states) in the mix. */
function compareMany(trie: TokenTrie, seed: number, schemas: number, runs: number, steps: number): number {
  const rng = new Rng(seed);
  let n = 0;
  for (let i = 0; i < GRAMMARS.length; i++) n += compareAlong(`grammar ${i}`, GRAMMARS[i]!, trie, rng, runs, steps);
  n += compareAlong("json_object", jsonObjectGbnf(), trie, rng, runs, steps);
  for (let s = 0; s < schemas; s++) {
    const useDefs = rng.next() < 0.3;
    const schema = randomSchema(rng, 3, useDefs);
    if (useDefs) schema.$defs = { item: randomSchema(rng, 1, false) };
    n += compareAlong(`schema ${s} ${JSON.stringify(schema)}`, jsonSchemaToGbnf(schema), trie, rng, runs, steps);
  }
  return n;
}

test("byte-level vocabulary (tokens splitting UTF-8 characters): masks equal walk-every-token on random states", () => {
  const n = compareMany(buildTokenTrie(byteTokenizer()), 41, 40, 4, 120);
  assert.ok(n > 2000, `${n} states compared`);
});

test("llama SPM 32k: masks equal walk-every-token on random grammar and schema states", (t) => {
  const file = sharedOrSkip(t, "reference", "tokenizers", "ggml-vocab-llama-spm.gguf");
  if (file === null) return;
  const n = compareMany(buildTokenTrie(loadTokenizer(file)), 32, 8, 2, 25);
  assert.ok(n > 250, `${n} states compared`);
});

test("Qwen2 151k (byte-level BPE): masks equal walk-every-token on random grammar and schema states", (t) => {
  const dir = process.env.KOTODAMA_LLAMA_VOCAB_DIR;
  const file = dir === undefined ? "" : join(dir, "ggml-vocab-qwen2.gguf");
  if (!existsSync(file)) return t.skip("llama.cpp's ggml-vocab-qwen2.gguf unavailable (KOTODAMA_LLAMA_VOCAB_DIR; scripts/run-tests.mjs sets it)");
  const n = compareMany(buildTokenTrie(loadTokenizer(file)), 151, 5, 2, 20);
  assert.ok(n > 150, `${n} states compared`);
});

test("the logits hook refuses exactly what the reference refuses, word by word, past V too (a padded vocabulary)", () => {
  const tok = byteTokenizer();
  const trie = buildTokenTrie(tok);
  const V = tok.vocabSize, n = V + 37, endIds = new Set([0, V + 5]);
  const gbnf = GRAMMARS[1]!; // a list: it may end after every item
  const ref = new Recognizer(parseGbnf(gbnf));
  const c = grammarConstraint(new GrammarMasker(new Recognizer(parseGbnf(gbnf)), trie), endIds);
  const rng = new Rng(9);
  const slow = new Uint32Array((V + 31) >>> 5);
  let rs: RefState = { stacks: ref.start(), cp: 0, need: 0 };
  const out: number[] = [];
  let ended = 0;
  for (let step = 0; step < 400; step++) {
    const logits = Float32Array.from({ length: n }, () => rng.normal());
    const before = Float32Array.from(logits);
    c.hook(logits, out);
    referenceMask(ref, trie, rs, slow);
    const end = rs.need === 0 && ref.accepts(rs.stacks);
    if (end) ended++;
    const allowed: number[] = [];
    for (let id = 0; id < n; id++) {
      const ok = (id < V && ((slow[id >>> 5]! >>> (id & 31)) & 1) === 1) || (end && endIds.has(id));
      assert.equal(logits[id], ok ? before[id] : -Infinity, `step ${step} id ${id}`);
      if (ok && id < V && id !== 0) allowed.push(id);
    }
    if (allowed.length === 0) break;
    const id = allowed[rng.int(allowed.length)]!;
    out.push(id);
    rs = referenceStepBytes(ref, rs, trie.bytes[id]!)!;
  }
  assert.ok(out.length > 50 && ended > 0, `${out.length} tokens, ${ended} ends`);
});

test("the automaton starting over (past its bound of states) changes no mask: states held across it are re-interned", () => {
  const trie = buildTokenTrie(byteTokenizer());
  const rng = new Rng(5);
  let n = 0;
  for (const g of [jsonObjectGbnf(), GRAMMARS[2]!, GRAMMARS[4]!]) n += compareAlong("small automaton", g, trie, rng, 4, 80, 6);
  assert.ok(n > 150, `${n} states compared`);
  // And it did start over: the same walk on a small automaton goes through several generations.
  const m = new GrammarMasker(new Recognizer(parseGbnf(jsonObjectGbnf())), trie, 6);
  const bits = new Uint32Array(m.words);
  let st = m.start();
  for (const b of new TextEncoder().encode('{"ab": [1, {"x": "é"}, true], "c": null')) {
    m.mask(st, bits);
    st = m.stepByte(st, b)!;
  }
  assert.ok(m.dfa.epoch > 3, `epoch ${m.dfa.epoch}`);
});
