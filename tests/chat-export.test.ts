// kotodama's chat template travels with its models: a run directory (kotodama vocabulary, no template file)
// converted to GGUF carries tokenizer.chat_template, to a Hugging Face folder tokenizer_config.json's
// chat_template; loading either gives it back on the tokenizer (and on the inference model), and GGUF → folder →
// GGUF keeps it. Not here: rendering (src/tokenizer/chat-template.test.ts), the conversions' tensors
// (convert-gpt2.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRefBackend } from "../src/engine/backends/ref/index.js";
import { convertModel } from "../src/formats/convert.js";
import { readGguf } from "../src/formats/gguf/read.js";
import { openInferModel } from "../src/infer/index.js";
import { MODEL_PRESETS, type ModelConfig } from "../src/models/config.js";
import { saveWeights } from "../src/models/io.js";
import { initDecoderWeights } from "../src/models/weights.js";
import { Graph } from "../src/tensor/index.js";
import { encodeChat } from "../src/tokenizer/chat-encode.js";
import { saveHfTokenizer } from "../src/tokenizer/hf-json.js";
import { KOTODAMA_CHAT_TEMPLATE } from "../src/tokenizer/kotodama-chat.js";
import { loadTokenizer } from "../src/tokenizer/load.js";
import { trainBpe } from "../src/tokenizer/train.js";
import { Rng } from "../src/util/rng.js";

test("a kotodama run → GGUF and → Hugging Face folder carry kotodama's chat template, and it loads back", () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-chat-"));
  try {
    const run = join(dir, "run");
    mkdirSync(run);
    const tok = trainBpe({ texts: ["こんにちは、元気ですか？ はい、元気です。\n".repeat(10)], vocabSize: 300 });
    const config: ModelConfig = { ...MODEL_PRESETS.tiny, vocabSize: tok.vocabSize, dim: 32, nLayers: 1, nHeads: 2, nKvHeads: 2, hiddenDim: 64, context: 16 };
    saveWeights(join(run, "model.safetensors"), initDecoderWeights(new Graph(createRefBackend()), config, new Rng(1)));
    writeFileSync(join(run, "config.json"), JSON.stringify({ model: config }));
    saveHfTokenizer(tok, join(run, "tokenizer.json"));
    assert.equal(loadTokenizer(run).chatTemplate, undefined, "the run itself holds no template file");

    const gguf = join(dir, "m.gguf");
    const r = convertModel(run, gguf);
    assert.ok(r.notes.some((n) => n.startsWith("chat template written")), r.notes.join("; "));
    assert.deepEqual(readGguf(gguf).metadata.get("tokenizer.chat_template"), { type: "string", value: KOTODAMA_CHAT_TEMPLATE });
    assert.equal(loadTokenizer(gguf).chatTemplate?.template, KOTODAMA_CHAT_TEMPLATE);

    const hf = join(dir, "hf");
    convertModel(run, hf);
    const cfg = JSON.parse(readFileSync(join(hf, "tokenizer_config.json"), "utf8")) as Record<string, unknown>;
    assert.equal(cfg.chat_template, KOTODAMA_CHAT_TEMPLATE);
    assert.deepEqual([cfg.bos_token, cfg.eos_token, cfg.pad_token], ["<|bos|>", "<|eos|>", "<|pad|>"]);
    const model = openInferModel(hf, { backend: createRefBackend() });
    assert.equal(model.tokenizer.chatTemplate?.template, KOTODAMA_CHAT_TEMPLATE, "exposed on the loaded model's tokenizer");
    // The same rendering and ids from the folder's tokenizer as from the trained one.
    const messages = [{ role: "user", content: "元気ですか？" }, { role: "assistant", content: "はい、元気です。" }];
    assert.deepEqual(encodeChat(model.tokenizer, { messages }).ids, encodeChat(tok, { messages }).ids);

    // GGUF → folder → GGUF keeps the template (the folder's tokenizer_config.json feeds the second GGUF).
    const hf2 = join(dir, "hf2");
    convertModel(gguf, hf2);
    const back = join(dir, "back.gguf");
    convertModel(hf2, back);
    assert.equal(readGguf(back).metadata.get("tokenizer.chat_template")?.value, KOTODAMA_CHAT_TEMPLATE);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
