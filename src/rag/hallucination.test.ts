// evaluateRag's scoring of a question the model could not answer (an error, e.g. no room in the context): EM 0 and
// F1 0 even when the gold normalizes to "" (JSQuAD has the gold "/"), which an empty answer would match. Not here:
// the metrics themselves (answer-metrics.test.ts), a real model (cli/commands/endpoint-serve.test.ts).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { KotodamaError } from "../util/errors.js";
import { charF1 } from "./answer-metrics.js";
import { ASK_DEFAULTS } from "./answer.js";
import { evaluateRag } from "./hallucination.js";
import { INDEX_DEFAULTS, updateIndex } from "./indexer.js";
import { LexicalIndex } from "./lexical.js";

test("evaluateRag: an error scores EM 0 and F1 0, also against a gold that normalizes to nothing", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-halluc-"));
  try {
    writeFileSync(join(dir, "a.txt"), "区切りは/で書く。");
    updateIndex(join(dir, "idx"), [join(dir, "a.txt")], INDEX_DEFAULTS);
    const index = new LexicalIndex(join(dir, "idx"));
    assert.equal(charF1("", ["/"]), 1, "the premise: an empty answer matches the gold '/' exactly");
    const generator = { contextTokens: 8, countTokens: () => 0, complete: () => Promise.reject(new KotodamaError("no room")) };
    const r = await evaluateRag({ items: [{ id: "q1", question: "区切りは？", answers: ["/"] }], index, models: { generator }, conditions: ["closed-book"], ask: ASK_DEFAULTS, limit: null, seed: 1 });
    index.close();
    assert.deepEqual(r.records.map((x) => [x.error, x.em, x.f1]), [["no room", 0, 0]]);
    assert.equal(r.metrics["closed-book"]?.errors, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
