// The explorer's Simplify page in headless Chromium against `kotodama serve --cefr DIR` (the CLI, a child process):
// a chat model (the qwen2 family fixture, ChatML) and a tiny CEFR classifier trained here on keyword sentences. The
// page's output equals simplifySentence with the page's settings (the library, in this process), its diff strikes
// through exactly the deleted words, its output level is the classifier's, and the chart has a bar per level for
// the source and the output; with the Japanese words the button reads 書き換え. Screenshot to
// test-artifacts/explorer/simplify.png. Any page or console error fails the test. Not here: the route's JSON in
// detail (tests/explorer-simplify.test.ts).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadBackend } from "../src/engine/backend.js";
import { readLexicon } from "../src/eval/cefr/lexicon.js";
import { trainKeywordCefr } from "../src/eval/cefr/keyword.fixture.js";
import { simplifySentence } from "../src/eval/cefr/simplify.js";
import { wordDiff } from "../src/eval/cefr/word-diff.js";
import { openInferModel } from "../src/infer/index.js";
import { SIMPLIFY_PAGE_SETTINGS as S } from "../src/server/openai/explorer-jobs.js";
import { packageRoot } from "../src/util/paths.js";
import { writeFixture } from "./fixtures/families.js";
import { chromiumOrSkip } from "./support/browser.js";
import { pointsAbove, startServe, textIs, watchedPage } from "./support/explorer-page.js";

const TEXT = "The cat saw the apple and the ontology of the budget near the policy office today.";

test("the explorer's Simplify page in Chromium on kotodama serve --cefr", { timeout: 180_000 }, async (t) => {
  const browser = await chromiumOrSkip(t);
  if (browser === null) return;
  const artifacts = process.env.KOTODAMA_TEST_ARTIFACTS ?? join(packageRoot(), "test-artifacts", "explorer");
  mkdirSync(artifacts, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), "kotodama-explorer-simplify-"));
  const cefr = join(dir, "cefr");
  const checker = trainKeywordCefr(cefr);
  const chat = writeFixture(dir, "qwen2", "f32").path;
  const want = await simplifySentence(openInferModel(chat, { backend: loadBackend({ threads: 1 }) }), TEXT, {
    level: 1, maxTokens: S.maxTokens, checker, lexicon: readLexicon(join(cefr, "lexicon.json")), penalty: S.levelPenalty, deleteOnly: { minKeep: S.minKeep, deletePenalty: S.deletePenalty },
  });
  const deleted = wordDiff(TEXT, want.output).filter((p) => p.op === "del").map((p) => p.text);
  const serve = await startServe(["--model", `chat=${chat}`, "--cefr", cefr, "--port", "0", "--threads", "1"]);
  const { page, errors } = await watchedPage(browser);
  try {
    await page.goto(`${serve.url}/explorer/#/simplify`);
    await textIs(page, "nav-simplify", "Simplify");
    await page.locator("[data-testid=simp-text]").fill(TEXT);
    await page.locator("[data-testid=simp-level]").selectOption("A2");
    assert.equal(await page.locator("[data-testid=simp-constrained]").isChecked(), true, "with --cefr the level penalty is on by default");
    await page.locator("[data-testid=simplify]").click();
    await textIs(page, "simp-output", want.output);
    assert.deepEqual(await page.locator("[data-testid=simp-diff] del").allInnerTexts(), deleted);
    await textIs(page, "simp-output-level", `${want.predicted!} ${want.atOrBelow === true ? "✓" : "✗"}`);
    assert.equal(await pointsAbove(page, "simp-chart", 11), 12, "a bar per level, source and output");
    await page.screenshot({ path: join(artifacts, "simplify.png"), fullPage: true });
    await page.locator("[data-testid=lang-ja]").click();
    await textIs(page, "simplify", "書き換え");
    await page.locator("[data-testid=lang-en]").click();
    assert.deepEqual(errors, [], "no page or console errors");
  } finally {
    await browser.close();
    serve.child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
});
