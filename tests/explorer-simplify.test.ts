// POST /api/explorer/simplify (the Simplify page) on a real server: a chat model (the qwen2 family fixture, ChatML)
// and a tiny CEFR classifier trained here on keyword sentences whose levels are known by construction (cat A1,
// apple A2, policy B1, budget B2, ontology C1). The route's output equals simplifySentence called directly with
// the page's settings; a deletion-only output is the source with words deleted; the diff spells both texts; the
// lexicon finds the keywords above the target; the levels are the classifier's; bad fields and the CEFR-only
// options on a server without --cefr are 400s naming the field.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBackend } from "../src/engine/backend.js";
import { readLexicon } from "../src/eval/cefr/lexicon.js";
import { assessSentences, openCefr } from "../src/eval/cefr/model.js";
import { trainKeywordCefr } from "../src/eval/cefr/keyword.fixture.js";
import { simplifySentence } from "../src/eval/cefr/simplify.js";
import { openInferModel } from "../src/infer/index.js";
import { writeFixture } from "./fixtures/families.js";
import { SIMPLIFY_PAGE_SETTINGS } from "../src/server/openai/explorer-jobs.js";
import type { SimplifyResult } from "../src/server/openai/explorer-protocol.js";
import { startOpenAIServer, type RunningServer } from "../src/server/openai/server.js";

const TEXT = "The cat saw the apple and the ontology of the budget near the policy office today.";
const words = (s: string): string[] => s.split(/\s+/).filter((w) => w !== "");

describe("POST /api/explorer/simplify", () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-explorer-simplify-"));
  const cefrDir = join(dir, "cefr");
  let chatPath: string;
  let server: RunningServer;
  let plain: RunningServer;
  const post = async (url: string, body: unknown): Promise<{ status: number; json: SimplifyResult & { error?: { message: string; param: string | null } } }> => {
    const r = await fetch(`${url}/api/explorer/simplify`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: r.status, json: (await r.json()) as never };
  };

  before(async () => {
    trainKeywordCefr(cefrDir);
    chatPath = writeFixture(dir, "qwen2", "f32").path;
    const explorer = { bundle: null, runs: [], guard: null, rag: null };
    server = await startOpenAIServer({ models: [{ name: "chat", path: chatPath }], cefr: { name: "cefr-tiny", path: cefrDir }, threads: 1, port: 0, explorer });
    plain = await startOpenAIServer({ models: [{ name: "chat", path: chatPath }], threads: 1, port: 0, explorer });
  });
  after(async () => {
    await server?.stop();
    await plain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("deletion-only: simplifySentence's output with the page's settings, the source with words deleted, the classifier's levels", async () => {
    const r = await post(server.url, { text: TEXT, level: "A2", method: "delete" });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const model = openInferModel(chatPath, { backend: loadBackend({ threads: 1 }) });
    const checker = openCefr(cefrDir, loadBackend({ threads: 1 }));
    const S = SIMPLIFY_PAGE_SETTINGS;
    const want = await simplifySentence(model, TEXT, { level: 1, maxTokens: S.maxTokens, checker, deleteOnly: { minKeep: S.minKeep, deletePenalty: S.deletePenalty } });
    assert.equal(r.json.output, want.output);
    assert.equal(r.json.target, "A2");
    assert.equal(r.json.beams, 4);
    // The output is a subsequence of the source's units (words and punctuation marks), keeping at least half of
    // the words.
    const units = (t: string): string[] => t.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? [];
    const srcU = units(TEXT), outU = units(r.json.output);
    let i = 0;
    for (const u of outU) {
      while (i < srcU.length && srcU[i] !== u) i++;
      assert.ok(i++ < srcU.length, `"${u}" is not the next source unit in ${JSON.stringify(r.json.output)}`);
    }
    const isWord = (u: string): boolean => /[\p{L}\p{N}]/u.test(u);
    assert.ok(outU.filter(isWord).length >= 0.5 * srcU.filter(isWord).length, `${r.json.output}: fewer than half the words kept`);
    // The diff: keep + del spell the source, keep + ins the output.
    assert.deepEqual(r.json.diff.filter((p) => p.op !== "ins").map((p) => p.text), words(TEXT));
    assert.deepEqual(r.json.diff.filter((p) => p.op !== "del").map((p) => p.text), words(r.json.output));
    // Above A2 by the lexicon: the B1, B2 and C1 keywords (by construction of the training sentences).
    for (const w of ["ontology", "budget", "policy"]) assert.ok(r.json.aboveSource.includes(w), `${w} in ${JSON.stringify(r.json.aboveSource)}`);
    assert.ok(!r.json.aboveSource.includes("cat") && !r.json.aboveSource.includes("apple"));
    // The levels are the classifier's on the hardest sentence.
    const src1 = assessSentences(checker, [TEXT]);
    assert.deepEqual(r.json.sourceLevel?.probs, src1[0]!.probs);
    assert.equal(r.json.sourceLevel?.level, src1[0]!.level);
    assert.deepEqual(r.json.settings, { method: "delete", constrained: false, rerank: false, minKeep: 0.5, deletePenalty: 1, beams: 4 });
  });

  test("constrained and free: the same as the library with the level penalty; greedy without beams", async () => {
    const model = openInferModel(chatPath, { backend: loadBackend({ threads: 1 }) });
    const checker = openCefr(cefrDir, loadBackend({ threads: 1 }));
    const lexicon = readLexicon(join(cefrDir, "lexicon.json"));
    const S = SIMPLIFY_PAGE_SETTINGS;
    const c = await post(server.url, { text: TEXT, level: "A2", method: "delete", constrained: true });
    assert.equal(c.status, 200, JSON.stringify(c.json));
    const wantC = await simplifySentence(model, TEXT, { level: 1, maxTokens: S.maxTokens, checker, lexicon, penalty: S.levelPenalty, deleteOnly: { minKeep: S.minKeep, deletePenalty: S.deletePenalty } });
    assert.equal(c.json.output, wantC.output);
    assert.equal(c.json.settings.levelPenalty, 3);
    const f = await post(server.url, { text: TEXT, level: "B1", method: "free" });
    assert.equal(f.status, 200, JSON.stringify(f.json));
    const wantF = await simplifySentence(model, TEXT, { level: 2, maxTokens: S.maxTokens, checker });
    assert.equal(f.json.output, wantF.output);
    assert.equal(f.json.beams, 1);
    assert.deepEqual(f.json.diff.filter((p) => p.op !== "del").map((p) => p.text), words(wantF.output));
  });

  test("bad fields are 400s naming them; constrained and rerank need serve --cefr", async () => {
    for (const [body, param, re] of [
      [{ text: TEXT, level: "Z1" }, "level", /expected one of A1, A2, B1, B2, C1, C2/],
      [{ text: TEXT, level: "A2", method: "rewrite" }, "method", /expected "delete" or "free"/],
      [{ text: "x".repeat(1001), level: "A2" }, "text", /at most 1000 characters/],
      [{ text: "  ", level: "A2" }, "text", /non-empty/],
      [{ text: TEXT, level: "A2", constrained: "yes" }, "constrained", /expected true or false/],
      [{ text: TEXT, level: "A2", beams: 3 }, "beams", /unknown field/],
    ] as const) {
      const r = await post(server.url, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.error?.param, param);
      assert.match(r.json.error!.message, re);
    }
    for (const key of ["constrained", "rerank"] as const) {
      const r = await post(plain.url, { text: TEXT, level: "A2", [key]: true });
      assert.equal(r.status, 400);
      assert.equal(r.json.error?.param, key);
      assert.match(r.json.error!.message, /serve --cefr DIR/);
    }
    const ok = await post(plain.url, { text: TEXT, level: "A2" });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.sourceLevel, null);
    assert.deepEqual(ok.json.aboveSource, []);
  });
});
