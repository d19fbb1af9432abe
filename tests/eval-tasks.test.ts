// `eval tasks` on JCommonsenseQA, 0-shot and 3-shot on the first 40 validation questions, for two small models run
// in this process and through `kotodama serve` on loopback (echo + logprobs + max_tokens 0): the same accuracy, the
// same predictions and shots, log-likelihoods within 1e-4. The models: stories260K (../shared/reference; SentencePiece
// with byte fallback, so Japanese is three tokens a character and its 128-token context forces shots to be dropped and
// some questions skipped — the server's 400 context_length_exceeded must drop the same ones), and a randomly
// initialised kotodama model (2 layers, 1024 context) with a byte-level BPE trained on JCommonsenseQA questions,
// saved as a run directory, where all 3 shots fit. The log-likelihood itself is checked against scoreText (total of
// context + continuation minus total of the context, for an English pair that tokenizes as a prefix), and the
// reported accuracies are recounted from the records. Skipped visibly without ../shared.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createRefBackend } from "../src/engine/backends/ref/index.js";
import { MODEL_PRESETS, type ModelConfig } from "../src/models/config.js";
import { saveWeights } from "../src/models/io.js";
import { initDecoderWeights } from "../src/models/weights.js";
import { Graph } from "../src/tensor/index.js";
import { saveHfTokenizer, trainBpe } from "../src/tokenizer/index.js";
import { Rng } from "../src/util/rng.js";
import { loadBackend } from "../src/engine/backend.js";
import { readTaskDefinition } from "../src/eval/tasks/definition.js";
import { EndpointTaskModel } from "../src/eval/tasks/lm-endpoint.js";
import { LocalTaskModel } from "../src/eval/tasks/lm.js";
import { evaluateTask, type ChoiceRecord, type TaskResult } from "../src/eval/tasks/run.js";
import { openEndpoint } from "../src/infer/endpoint.js";
import { openInferModel, scoreText, type InferModel } from "../src/infer/index.js";
import { startOpenAIServer, type RunningServer } from "../src/server/openai/server.js";
import { packageRoot, sharedPath } from "../src/util/paths.js";

const MODEL = sharedPath("reference", "stories260K", "stories260K.gguf");
const DATA = sharedPath("data");
const JCQA = DATA === null ? null : sharedPath("data", "jglue", "jcommonsenseqa-v1.3");
const absent = MODEL === null ? "../shared/reference/stories260K/stories260K.gguf" : JCQA === null ? "../shared/data/jglue/jcommonsenseqa-v1.3" : null;
if (absent !== null && process.env.KOTODAMA_REQUIRE_SHARED === "1") throw new Error(`${absent} is absent (KOTODAMA_REQUIRE_SHARED=1)`);

/** A random 2-layer kotodama model with a byte-level BPE trained on JCommonsenseQA questions, as a run directory. */
function tinyJapaneseRun(dir: string, dataDir: string): string {
  const lines = readFileSync(join(dataDir, "jglue", "jcommonsenseqa-v1.3", "train-v1.3.json"), "utf8").split("\n").slice(0, 400);
  const tok = trainBpe({ texts: lines.map((l) => l.replace(/[{}":,]|q_id|choice\d|label|question|\d+/g, " ")), vocabSize: 600 });
  const config: ModelConfig = { ...MODEL_PRESETS.default, vocabSize: tok.vocabSize, dim: 32, nLayers: 2, nHeads: 4, nKvHeads: 2, hiddenDim: 64, context: 1024 };
  const w = initDecoderWeights(new Graph(createRefBackend()), config, new Rng(7));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "config.json"), JSON.stringify({ model: config }));
  saveWeights(join(dir, "model.safetensors"), w);
  saveHfTokenizer(tok, join(dir, "tokenizer.json"));
  return dir;
}

describe("eval tasks: JCommonsenseQA directly and through kotodama serve", { skip: absent === null ? false : `${absent} is absent; skipped` }, () => {
  let server: RunningServer;
  const models = new Map<string, InferModel>();
  const task = readTaskDefinition(join(packageRoot(), "tasks", "jcommonsenseqa.json"));
  const tmp = mkdtempSync(join(tmpdir(), "kd-eval-tasks-"));

  before(async () => {
    const tiny = absent === null ? tinyJapaneseRun(join(tmp, "tiny"), DATA!) : "";
    const specs = [{ name: "stories", path: MODEL! }, { name: "tiny", path: tiny }];
    server = await startOpenAIServer({ models: specs, threads: 1, explorer: null });
    for (const m of specs) models.set(m.name, openInferModel(m.path, { backend: loadBackend({ threads: 1 }) }));
  });
  after(async () => {
    await server.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  test("a continuation's log-likelihood is scoreText(context + continuation) − scoreText(context)", async () => {
    const model = models.get("stories")!;
    const lm = new LocalTaskModel(model);
    const [r] = await lm.loglikelihood([{ context: "Once upon a time", continuation: " there was a cat" }]);
    const whole = scoreText(model, "Once upon a time there was a cat"), ctx = scoreText(model, "Once upon a time");
    assert.deepEqual(whole.tokens.slice(0, ctx.tokens.length).map((t) => t.id), ctx.tokens.map((t) => t.id), "the context tokenizes as a prefix");
    assert.ok(Math.abs(r!.logprob - (whole.total - ctx.total)) < 1e-9, `${r!.logprob} vs ${whole.total - ctx.total}`);
    assert.equal(r!.tokens, whole.tokens.length - ctx.tokens.length);
  });

  for (const name of ["stories", "tiny"]) {
    for (const shots of [0, 3]) {
      test(`${name}, ${shots}-shot, 40 questions: the same numbers in process and through the endpoint`, async (t) => {
        const common = { task, dataDir: DATA!, shots, seed: 1234, limit: 40 };
        // Retries as the CLI has them (default 4): a pooled keep-alive connection that the server closes while idle
        // (the in-process run in between takes seconds) resets on reuse, and a scoring request is safe to repeat.
        const direct = await evaluateTask({ ...common, model: new LocalTaskModel(models.get(name)!) });
        const viaServer = await evaluateTask({ ...common, model: new EndpointTaskModel(openEndpoint({ url: server.url, model: name, maxRetries: 2 })) });
        const recount = (r: TaskResult, key: "pred" | "predNorm" | "predBytes"): number => r.records.filter((x): x is ChoiceRecord => "gold" in x && x[key] === x.gold).length / r.n;
        for (const r of [direct, viaServer]) {
          assert.equal(r.n + r.skipped, 40);
          assert.ok(r.n >= 30, `${r.n} questions scored`);
          assert.equal(r.metrics.acc!.value, recount(r, "pred"));
          assert.equal(r.metrics.acc_norm!.value, recount(r, "predNorm"));
          assert.equal(r.metrics.acc_bytes!.value, recount(r, "predBytes"));
          assert.ok(Math.abs(r.chance! - 0.2) < 1e-12, "five choices");
        }
        assert.equal(viaServer.n, direct.n);
        for (const k of ["acc", "acc_norm", "acc_bytes"]) assert.equal(viaServer.metrics[k]!.value, direct.metrics[k]!.value, k);
        assert.equal(viaServer.meanShots, direct.meanShots);
        if (name === "tiny") assert.equal(direct.meanShots, shots, "all shots fit in 1024 tokens");
        let worst = 0;
        direct.records.forEach((d, i) => {
          const b = viaServer.records[i]!;
          if (!("gold" in d) || !("gold" in b)) return assert.equal("gold" in d, "gold" in b, `question ${i} skipped both ways`);
          assert.deepEqual([b.pred, b.predNorm, b.shots, b.tokens], [d.pred, d.predNorm, d.shots, d.tokens], `question ${i}`);
          d.loglikelihoods.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - b.loglikelihoods[j]!))));
        });
        assert.ok(worst < 1e-4, `largest log-likelihood difference ${worst}`);
        t.diagnostic(`${name} ${shots}-shot: acc ${direct.metrics.acc!.value} both ways, ${direct.skipped} skipped, mean shots ${direct.meanShots}, largest log-likelihood difference ${worst}`);
      });
    }
  }
});
