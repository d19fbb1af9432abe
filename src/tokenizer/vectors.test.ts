// Agreement with external references: llama.cpp's tokenizer test vectors (ids from Hugging Face tokenizers)
// for every vocab GGUF in ../shared/reference/tokenizers, and stories260K's prompt and perplexity-text ids
// from llama.cpp (reference.json), through both tok512.bin and the GGUF vocabulary; and, when
// KOTODAMA_LLAMA_VOCAB_DIR names llama.cpp's models/ folder, every vocabulary there with test vectors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { FormatError } from "../util/errors.js";
import { sharedOrSkip, sharedPath } from "../util/paths.js";
import { loadTokenizer } from "./load.js";

const vocabDir = sharedPath("reference", "tokenizers");
const storiesDir = sharedPath("reference", "stories260K");

/** llama.cpp test-tokenizer-0 format: strings separated by "\n__ggml_vocab_test__\n"; one output line each. */
function readVectors(inp: string, out: string): { text: string; ids: number[] }[] {
  const texts = readFileSync(inp, "utf8").split("\n__ggml_vocab_test__\n");
  texts.pop(); // the file ends with the separator
  const lines = readFileSync(out, "utf8").split("\n");
  return texts.map((text, i) => ({ text, ids: lines[i]!.trim() === "" ? [] : lines[i]!.trim().split(/\s+/).map(Number) }));
}

for (const name of ["gpt-2", "llama-spm", "phi-3", "bert-bge"]) {
  test(`llama.cpp test vectors: ${name} (46 strings, ids identical)`, (t) => {
    if (vocabDir === null) return void sharedOrSkip(t, "reference", "tokenizers");
    const base = join(vocabDir, `ggml-vocab-${name}.gguf`);
    const tok = loadTokenizer(base);
    const vectors = readVectors(`${base}.inp`, `${base}.out`);
    assert.equal(vectors.length, 46);
    let agree = 0;
    for (const v of vectors) {
      assert.deepEqual(tok.encode(v.text, { addBos: false }), v.ids, `${name}: ${JSON.stringify(v.text)}`);
      agree++;
    }
    assert.equal(agree, 46);
  });
}

test("stories260K: tok512.bin and the GGUF vocab give llama.cpp's prompt ids and ppl_text ids", (t) => {
  if (storiesDir === null) return void sharedOrSkip(t, "reference", "stories260K");
  const ref = JSON.parse(readFileSync(join(storiesDir, "reference.json"), "utf8")) as {
    prompts: { prompt: string; prompt_ids: number[]; greedy_ids: number[]; text: string }[];
    perplexity: { token_ids: number[] };
  };
  const ppl = readFileSync(join(storiesDir, "ppl_text.txt"), "utf8");
  for (const file of ["tok512.bin", "stories260K.gguf"]) {
    const tok = loadTokenizer(join(storiesDir, file));
    assert.equal(tok.vocabSize, 512);
    assert.deepEqual(tok.special, { unk: 0, bos: 1, eos: 2 });
    for (const p of ref.prompts) {
      assert.deepEqual(tok.encode(p.prompt), p.prompt_ids, `${file}: ${JSON.stringify(p.prompt)}`);
      // llama.cpp's text = token_to_piece of the greedy ids after the prompt's pieces.
      const pieces = p.greedy_ids.map((id) => new TextDecoder().decode(tok.tokenBytes(id))).join("");
      assert.equal(pieces, p.text, `${file}: pieces of the greedy ids`);
    }
    const ids = tok.encode(ppl);
    assert.equal(ids.length, 517);
    assert.deepEqual(ids, ref.perplexity.token_ids, `${file}: ppl_text.txt`);
    assert.equal(tok.decode(ids), ppl);
  }
});

// Every llama.cpp vocabulary with test vectors, from a folder given by KOTODAMA_LLAMA_VOCAB_DIR (llama.cpp's
// models/ggml-vocab-*.gguf with their .inp/.out; not in ../shared, several are over 5 MB). Vocabularies kotodama
// does not read (tokenizer.ggml.model gemma4, t5) are listed, not failed.
const llamaVocabDir = process.env.KOTODAMA_LLAMA_VOCAB_DIR;
test("llama.cpp test vectors: every ggml-vocab-*.gguf in $KOTODAMA_LLAMA_VOCAB_DIR, ids identical", (t) => {
  if (llamaVocabDir === undefined || llamaVocabDir === "") return t.skip("KOTODAMA_LLAMA_VOCAB_DIR unset (point it to llama.cpp's models/ folder)");
  const files = readdirSync(llamaVocabDir).filter((f) => /^ggml-vocab-.*\.gguf$/.test(f) && existsSync(join(llamaVocabDir, `${f}.inp`))).sort();
  assert.ok(files.length > 0, `no ggml-vocab-*.gguf with .inp/.out in ${llamaVocabDir}`);
  const unsupported: string[] = [];
  for (const f of files) {
    const base = join(llamaVocabDir, f);
    let tok;
    try {
      tok = loadTokenizer(base);
    } catch (e) {
      if (e instanceof FormatError && /tokenizer\.ggml\.model = '(gemma4|t5)' is not supported/.test(e.message)) {
        unsupported.push(f);
        continue;
      }
      throw e;
    }
    const vectors = readVectors(`${base}.inp`, `${base}.out`);
    let agree = 0;
    for (const v of vectors) {
      assert.deepEqual(tok.encode(v.text, { addBos: false }), v.ids, `${f}: ${JSON.stringify(v.text)}`);
      agree++;
    }
    t.diagnostic(`${f}: ${agree}/${vectors.length}`);
  }
  if (unsupported.length > 0) t.diagnostic(`not read by kotodama (vocabulary type): ${unsupported.join(", ")}`);
});
