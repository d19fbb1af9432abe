// The explorer's CEFR page in headless Chromium against `kotodama serve --cefr DIR` (the CLI, a child process) with
// a tiny classifier trained here on a keyword signal: the page's text level, distribution bars, hardest sentence
// and per-sentence table equal assessText on the same text (the library, in this process), in English and with the
// Japanese words; without --cefr the page is not offered. Screenshots go to test-artifacts/explorer/. Any page or
// console error fails the test. Not here: the route's JSON in detail (src/cli/commands/cefr-serve.test.ts).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { assessText } from "../src/eval/cefr/model.js";
import { trainKeywordCefr } from "../src/eval/cefr/keyword.fixture.js";
import { packageRoot, sharedPath } from "../src/util/paths.js";
import { chromiumOrSkip } from "./support/browser.js";
import { pointsAbove, startServe, textIs, watchedPage } from "./support/explorer-page.js";

const MODEL_PATH = sharedPath("reference", "stories260K", "stories260K.gguf");
const skip = MODEL_PATH === null ? "../shared/reference/stories260K/stories260K.gguf is absent; skipped" : false;
const TEXT = "Number 7 is about the cat here. Number 8 is about the ontology here. Number 9 is about the budget here.";

test("the explorer's CEFR page in Chromium on kotodama serve --cefr", { skip, timeout: 180_000 }, async (t) => {
  const browser = await chromiumOrSkip(t);
  if (browser === null) return;
  const artifacts = process.env.KOTODAMA_TEST_ARTIFACTS ?? join(packageRoot(), "test-artifacts", "explorer");
  mkdirSync(artifacts, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), "kotodama-explorer-cefr-"));
  const cefr = join(dir, "cefr");
  const m = trainKeywordCefr(cefr);
  const want = assessText(m, TEXT);
  const serve = await startServe(["--model", `stories=${MODEL_PATH!}`, "--cefr", cefr, "--port", "0", "--threads", "1"]);
  const plain = await startServe(["--model", `stories=${MODEL_PATH!}`, "--port", "0", "--threads", "1"]);
  const { page, errors } = await watchedPage(browser);
  try {
    await page.goto(`${serve.url}/explorer/#/cefr`);
    await textIs(page, "nav-cefr", "CEFR");
    await page.waitForSelector("[data-testid=cefr-table] tbody tr", { timeout: 30_000 }); // the example text's answer
    await page.locator("[data-testid=cefr-text]").fill(TEXT);
    await page.locator("[data-testid=assess]").click();
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll("[data-testid=cefr-table] tbody tr").length === 3, undefined, { timeout: 30_000 });
    await textIs(page, "cefr-level", want.level);
    assert.equal(want.level, "C1", "the 80th-percentile sentence of A1, C1, B2");
    const rows = await page.locator("[data-testid=cefr-table] tbody tr").allInnerTexts();
    assert.deepEqual(rows.map((r) => r.split("\t").slice(0, 3)), want.sentences.map((s) => [s.level, s.expected.toFixed(2), s.sentence]));
    assert.deepEqual(await page.locator("[data-testid=cefr-hardest] li").allInnerTexts(), want.hardest.map((s) => `${s.level} ${s.sentence}`));
    assert.equal(await pointsAbove(page, "cefr-chart", 5), 6, "one bar per level");
    await page.screenshot({ path: join(artifacts, "cefr.png"), fullPage: true });
    await page.locator("[data-testid=lang-ja]").click();
    await textIs(page, "assess", "判定");
    await page.locator("[data-testid=lang-en]").click();

    // Without --cefr the navigation does not offer the page.
    await page.goto(`${plain.url}/explorer/#/next`);
    await page.waitForSelector("[data-testid=nav-next]", { timeout: 30_000 });
    assert.equal(await page.locator("[data-testid=nav-cefr]").count(), 0);
    assert.deepEqual(errors, [], "no page or console errors");
  } finally {
    await browser.close();
    serve.child.kill("SIGTERM");
    plain.child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
});
