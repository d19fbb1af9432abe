// Gemma's SentencePiece vocabulary rules against llama.cpp itself: a synthetic Gemma-style vocabulary (fixtures/
// gemma-vocab.ts) written by kotodama's GGUF writer under tiny random-weight gemma2 and gemma3 models, loaded by
// llama.cpp (node-llama-cpp), gives identical ids — special-token text off and on — and identical detokenization
// on 500 mixed strings per variant. Not here: llama.cpp's own vocab files (tokenizer-llamacpp.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { archMetadata, tokenizerMetadata, writeGgufFile } from "../src/formats/index.js";
import { familyByName } from "../src/models/families/index.js";
import { writeFamilyGguf } from "../src/models/save-family.js";
import { loadTokenizer } from "../src/tokenizer/load.js";
import { sharedOrSkip } from "../src/util/paths.js";
import { Rng } from "../src/util/rng.js";
import { fixtureConfig, fixtureWeights } from "./fixtures/families.js";
import { gemmaTestStrings, gemmaVocab, type GemmaVariant } from "./fixtures/gemma-vocab.js";
import { llamaCppOrSkip, openLlamaCppModel } from "./support/llamacpp.js";

const CASES: readonly { arch: "gemma2" | "gemma3"; variant: GemmaVariant }[] = [
  { arch: "gemma2", variant: "space-runs-added" },
  { arch: "gemma3", variant: "space-runs-pieces" },
];

for (const c of CASES) {
  test(`Gemma-style SPM vocabulary (${c.arch}, ${c.variant}): ids and text identical to llama.cpp on 500 strings`, { timeout: 300000 }, async (t) => {
    const llama = await llamaCppOrSkip(t);
    if (llama === null) return;
    const aozoraDir = sharedOrSkip(t, "data", "aozora", "clean");
    const tinyPath = sharedOrSkip(t, "data", "tinystories", "tinystories_val.txt");
    if (aozoraDir === null || tinyPath === null) return;
    const ja = readdirSync(aozoraDir).sort().slice(0, 5).map((f) => readFileSync(join(aozoraDir, f), "utf8").slice(0, 50000)).join("\n");
    const en = readFileSync(tinyPath, "utf8").slice(0, 250000);
    const vocab = gemmaVocab([ja, en], c.variant);
    const dir = mkdtempSync(join(tmpdir(), "kd-gemma-vocab-"));
    try {
      const family = familyByName(c.arch)!;
      const config = fixtureConfig(c.arch, vocab.tokens.length);
      const path = join(dir, `${c.arch}.gguf`);
      writeFamilyGguf(path, family, config, fixtureWeights(family, config, 3), "f32", vocab.entries, "kotodama gemma-style vocab fixture");
      const tok = loadTokenizer(path);
      assert.equal(tok.vocabSize, vocab.tokens.length);
      assert.deepEqual(tok.special, { bos: 2, eos: 1, unk: 3, pad: 0 });
      assert.equal(tok.addsSpacePrefix, false);
      const m = await openLlamaCppModel(llama, path);
      try {
        const strings = gemmaTestStrings(ja, en, new Rng(c.arch === "gemma2" ? 21 : 22), 500);
        let tokens = 0;
        let viaBytes = 0;
        let added = 0;
        for (const s of strings) {
          for (const special of [false, true]) {
            const ours = tok.encode(s, { addBos: false, allowSpecial: special });
            assert.deepEqual(ours, m.tokenize(s, special), `${c.arch} encode (special ${special}): ${JSON.stringify(s)}`);
            assert.equal(tok.decode(ours), m.detokenize(ours, false), `${c.arch} decode: ${JSON.stringify(s)}`);
            tokens += ours.length;
            viaBytes += ours.filter((id) => vocab.types[id] === 6).length;
            added += ours.filter((id) => vocab.types[id] === 3 || vocab.types[id] === 4).length;
          }
        }
        // BOS by default, as Gemma's add_bos_token (node-llama-cpp's tokenize never adds it).
        assert.equal(tok.encode("hi")[0], 2);
        t.diagnostic(`${c.arch}: ${vocab.tokens.length} tokens; ${strings.length} strings × 2 (special off/on), ${tokens} ids identical (${viaBytes} byte fallback, ${added} added/control), decode identical`);
        assert.ok(viaBytes > 0 && added > 0, "the strings exercise byte fallback and added tokens");
      } finally {
        await m.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("overlapping added tokens: llama.cpp cuts the longest token first (a|bcd), Hugging Face leftmost (ab|cd); GGUF follows llama.cpp", { timeout: 60000 }, async (t) => {
  const llama = await llamaCppOrSkip(t);
  if (llama === null) return;
  // Hand-derived: in "xabcdx" llama.cpp finds "bcd" (3 bytes) before "ab" (2), leaving "xa" and "x" as text;
  // in "abab" only "ab" matches, twice.
  const bytes = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
  const tokens = ["<unk>", "<s>", "</s>", ...bytes, "\u2581", "a", "b", "c", "d", "x", "xa", "dx", "ab", "bcd"];
  const id = (s: string): number => tokens.indexOf(s);
  const types = Int32Array.from(tokens, (s, i) => (i === 0 ? 2 : i < 3 ? 3 : i < 259 ? 6 : s === "ab" || s === "bcd" ? 4 : 1));
  const meta = new Map([...archMetadata({ arch: "llama", contextLength: 64, embeddingLength: 8, blockCount: 1, feedForwardLength: 8, headCount: 1, rmsEps: 1e-5 }), ...tokenizerMetadata({
    model: "llama", tokens, scores: Float32Array.from(tokens, (_, i) => -i), tokenTypes: types, bosId: 1, eosId: 2, unkId: 0, addSpacePrefix: false,
  })]);
  const dir = mkdtempSync(join(tmpdir(), "kd-overlap-"));
  try {
    const path = join(dir, "overlap.gguf");
    writeGgufFile(path, { metadata: meta, tensors: [] });
    const tok = loadTokenizer(path);
    const want = { xabcdx: [id("xa"), id("bcd"), id("x")], abab: [id("ab"), id("ab")], abcd: [id("a"), id("bcd")] };
    const model = await llama.loadModel({ modelPath: path, vocabOnly: true, gpuLayers: 0 });
    try {
      for (const [s, ids] of Object.entries(want)) {
        assert.deepEqual(Array.from(model.tokenize(s, false)), ids, `llama.cpp: ${s}`);
        assert.deepEqual(tok.encode(s, { addBos: false }), ids, `kotodama: ${s}`);
      }
    } finally {
      await model.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
