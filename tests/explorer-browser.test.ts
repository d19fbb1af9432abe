// The explorer in headless Chromium against `kotodama serve` (the CLI, a child process) on stories260K: every page
// in the navigation is driven — next token (the top-1 probability shown is src/infer's; a clicked candidate and one
// chosen with the keyboard grow the prompt), the language switch, naturalness (the ranking and means are
// rankTexts'), sampling (temperature 0 keeps one token and the continuation is greedy generateText's), attention
// (a map for another layer and head, the logit lens table), and the training dashboard, whose chart grows when
// the test appends a line to a run's metrics.jsonl; retrieval (the answer is askGrounded's, its citation takes
// focus to the passage) and safety (a hand-built guard's 12/13 unsafe score); the dashboard's data-report chart and
// canary exposure (files written here); the Instruction tuning page, whose typed prompt fills a column per served
// model with generateText's greedy answer through the chat template; and the Labelling entry (serve --label-out),
// which opens kotodama label's page on the server's pairs. Screenshots go to test-artifacts/explorer/ (git-ignored;
// KOTODAMA_TEST_ARTIFACTS moves them); any page error or console error (a CSP refusal included) fails the test.
// Not here: the API's numbers in detail (src/server/openai/explorer.test.ts).
import assert from "node:assert/strict";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadBackend } from "../src/engine/backend.js";
import { endOfTurnIds, generateText, openInferModel, rankTexts, scoreText } from "../src/infer/index.js";
import { askGrounded, ASK_DEFAULTS, LexicalIndex, updateIndex } from "../src/rag/index.js";
import { checkInput, saveGuard } from "../src/safety/index.js";
import { zeroGuard } from "../src/safety/guard.fixture.js";
import { chatPromptIds } from "../src/server/openai/chat-prompt.js";
import { packageRoot, sharedPath } from "../src/util/paths.js";
import { chromiumOrSkip } from "./support/browser.js";
import { pointsAbove, startServe, textIs, watchedPage, type PageDom } from "./support/explorer-page.js";

const MODEL_PATH = sharedPath("reference", "stories260K", "stories260K.gguf");
const skip = MODEL_PATH === null ? "../shared/reference/stories260K/stories260K.gguf is absent; skipped" : false;
const pct = (p: number): string => `${(100 * p).toFixed(2)} %`;

test("the explorer's pages in Chromium on kotodama serve with stories260K", { skip, timeout: 240_000 }, async (t) => {
  const browser = await chromiumOrSkip(t);
  if (browser === null) return;
  const artifacts = process.env.KOTODAMA_TEST_ARTIFACTS ?? join(packageRoot(), "test-artifacts", "explorer");
  mkdirSync(artifacts, { recursive: true });
  const runs = mkdtempSync(join(tmpdir(), "kotodama-explorer-browser-"));
  const metrics = join(runs, "job", "metrics.jsonl");
  mkdirSync(join(runs, "job"));
  const line = (step: number): string => `${JSON.stringify({ step, lr: 0.001 * step, train_loss: 6 - 0.3 * step, grad_norm: 1, tokens_per_s: 900 + 10 * step, elapsed_s: step, ...(step % 2 === 0 ? { val_loss: 6.1 - 0.3 * step } : {}) })}\n`;
  writeFileSync(metrics, [1, 2, 3].map(line).join(""));
  // The run's data-pipeline report (three stages) and canaries.json, as kotodama data and train --canaries write them.
  mkdirSync(join(runs, "job", "data"));
  const stage = (name: string, docsIn: number, docsOut: number, reasons: Record<string, number>) => ({ name, docsIn, docsOut, charsIn: 0, charsOut: 0, bytesIn: 0, changed: 0, seconds: 0, reasons, examples: [] });
  writeFileSync(join(runs, "job", "data", "report.json"), JSON.stringify({ stats: { stages: [stage("read", 100, 100, {}), stage("langid", 100, 90, { "lang=zh": 10 }), stage("dedup", 90, 81, { exact: 9 })] }, seconds: 1 }));
  writeFileSync(join(runs, "job", "data", "report.html"), "<!doctype html><style>h1{color:#333}</style><h1>kotodama data report</h1>");
  writeFileSync(join(runs, "job", "canaries.json"), JSON.stringify({ spec: { digits: 6 }, samples: 128, dedup: false, canaries: [
    { id: "canary-0", control: false, repeats: 40, exposure: { fit: 17.5, rank: 7, maxExposure: 19.9 } },
    { id: "control-0", control: true, repeats: 0, exposure: { fit: 0.8, rank: 0.5, maxExposure: 19.9 } },
  ] }));
  // An alignment comparison of two checkpoints (npm start's alignment stage writes DIR/align/alignment.json).
  mkdirSync(join(runs, "job", "align"));
  const est = (value: number, n: number) => ({ value, n, lo: value - 0.1, hi: value + 0.1 });
  writeFileSync(join(runs, "job", "align", "alignment.json"), JSON.stringify({ judge: "guard", rows: [
    { name: "sft", path: "/x/sft", dnaSafe: est(0.4, 50), xstestAnswered: est(0.9, 40), instruct: {}, kl: null },
    { name: "dpo", path: "/x/align", dnaSafe: est(0.8, 50), xstestAnswered: est(0.85, 40), instruct: {}, kl: est(0.12, 50) },
  ], goals: [] }));
  // Pairs for the Labelling entry (serve --label-pairs, --label-out).
  writeFileSync(join(runs, "pairs.jsonl"), `${JSON.stringify({ id: "p1", prompt: "Name a colour.", a: "Blue.", b: "A colour is a perception." })}\n`);
  // A retrieval index of three small documents, and a guard with zero weights (every prompt 12/13 unsafe).
  mkdirSync(join(runs, "docs"));
  writeFileSync(join(runs, "docs", "tom.txt"), "Tom has a big brown dog named Max. Max likes to run and bark at cats.\n");
  writeFileSync(join(runs, "docs", "sky.txt"), "The sun is hot. The moon comes out at night and the stars shine.\n");
  writeFileSync(join(runs, "docs", "lily.txt"), "Lily had a red ball. She played with the ball in the park every day.\n\nOne day the ball rolled into the pond and a duck found it.\n");
  updateIndex(join(runs, "index"), [join(runs, "docs")]);
  const guard = zeroGuard(0.5);
  saveGuard(join(runs, "guard"), guard);
  const serve = await startServe(["--model", `stories=${MODEL_PATH!}`, "--model", `again=${MODEL_PATH!}`, "--label-pairs", join(runs, "pairs.jsonl"), "--label-out", join(runs, "labels.jsonl"), "--port", "0", "--threads", "1", "--runs", runs, "--rag", join(runs, "index"), "--guard", join(runs, "guard")]);
  assert.match(serve.out(), new RegExp(`explorer: ${serve.url.replace(/[.]/g, "\\.")}/`), "serve prints the explorer's URL");
  const model = openInferModel(MODEL_PATH!, { backend: loadBackend({ threads: 1 }) });
  const { page, errors } = await watchedPage(browser);
  try {
    const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

    // Next token: the default prompt's top-1 is src/infer's; a click appends the token, Enter on a focused one too.
    await page.goto(`${serve.url}/`); // redirects to /explorer/
    const first = scoreText(model, "Once upon a time", { top: 20 });
    await textIs(page, "top1", pct(first.next[0]!.prob));
    await textIs(page, "mass", pct(first.next.reduce((s, n) => s + n.prob, 0)));
    assert.equal(await page.locator("[data-testid=candidates] button").count(), 20);
    await pointsAbove(page, "next-chart", 19);
    await shot("next-token");
    await page.locator("[data-testid=candidates] button").first().click();
    assert.equal(await page.locator("[data-testid=prompt]").inputValue(), "Once upon a time,");
    const second = scoreText(model, "Once upon a time,", { top: 1 });
    await textIs(page, "top1", pct(second.next[0]!.prob));
    const next = page.locator("[data-testid=candidates] button").first();
    const token = (await next.getAttribute("data-token"))!;
    await next.focus();
    await page.keyboard.press("Enter");
    assert.equal(await page.locator("[data-testid=prompt]").inputValue(), `Once upon a time,${token}`);
    await page.locator("[data-testid=prompt]").fill("The cat");
    await textIs(page, "top1", pct(scoreText(model, "The cat", { top: 1 }).next[0]!.prob));

    // The language switch: Japanese words, lang="ja", remembered across a reload.
    await page.locator("[data-testid=lang-ja]").click();
    await textIs(page, "nav-next", "次のトークン");
    await textIs(page, "nav-tuning", "指示チューニング");
    assert.equal(await page.locator("html").getAttribute("lang"), "ja");
    await page.reload();
    await textIs(page, "nav-naturalness", "自然さ");
    await textIs(page, "top1", pct(first.next[0]!.prob)); // the page in Japanese with its results, not before them
    await shot("next-token-ja");
    await page.locator("[data-testid=lang-en]").click();
    await textIs(page, "nav-next", "Next token");

    // Naturalness: the ranking and the means are rankTexts' over scoreText.
    await page.locator("[data-testid=nav-naturalness]").click();
    await page.waitForSelector("[data-testid=ranked] tbody tr", { timeout: 30_000 });
    const texts = ["The little girl went to the park to play with her friends.", "The park went to the little girl to play with her friends.", "Girl the park little to went play the with friends her to."];
    const ranked = rankTexts(texts.map((x) => scoreText(model, x)));
    assert.deepEqual(await page.locator("[data-testid=mean]").allTextContents(), ranked.map((s) => s.mean.toFixed(3)));
    await page.locator("[data-testid=texts]").fill("Tom and his dog played.\nDog his and Tom played.");
    await page.locator("[data-testid=score]").click();
    const two = rankTexts(["Tom and his dog played.", "Dog his and Tom played."].map((x) => scoreText(model, x)));
    await page.waitForFunction((n: number) => (globalThis as unknown as PageDom).document.querySelectorAll("[data-testid=ranked] tbody tr").length === n, 2, { timeout: 30_000 });
    await textIs(page, "mean", two[0]!.mean.toFixed(3));
    await shot("naturalness");

    // Sampling: greedy keeps one token and continues as generateText does; top-k 5 keeps at most 5.
    await page.locator("[data-testid=nav-sampling]").click();
    await page.waitForSelector("[data-testid=kept]", { timeout: 30_000 });
    await page.locator("[data-testid=temperature]").fill("0");
    await page.locator("[data-testid=maxTokens]").fill("12");
    const greedy = await generateText(model, "Once upon a time", { temperature: 0, maxTokens: 12 });
    await textIs(page, "continuation", greedy.text);
    await textIs(page, "kept", "1");
    await page.locator("[data-testid=temperature]").fill("1.2");
    await page.locator("[data-testid=topK]").fill("5");
    await page.locator("[data-testid=minP]").fill("0");
    await page.locator("[data-testid=topP]").fill("1");
    await textIs(page, "kept", "5");
    await shot("sampling");

    // Attention: the default prompt's maps; another layer and head; the logit lens has a row per layer.
    await page.locator("[data-testid=nav-attention]").click();
    await page.waitForSelector("[data-testid=attention-chart]", { timeout: 30_000 });
    const T = model.tokenizer.encode("Once upon a time, there was a little cat.").length;
    assert.equal(await pointsAbove(page, "attention-chart", 0), (T * (T + 1)) / 2, "the lower triangle of a T × T map");
    await page.locator("[data-testid=layer]").selectOption("3");
    await page.locator("[data-testid=head-5]").click();
    assert.match((await page.locator("[data-testid=attention-chart]").getAttribute("aria-label"))!, /Layer 3, Head 5$/);
    assert.equal(await page.locator("[data-testid=lens] tbody tr").count(), 5);
    await shot("attention");

    // Training: the run's 3 steps, then a 4th appended by the test appears on the chart.
    await page.locator("[data-testid=nav-training]").click();
    const runName = `${runs.split("/").pop()}/job`;
    await page.locator("[data-testid=run]").selectOption(runName);
    await textIs(page, "steps", "3");
    const before = await pointsAbove(page, "loss-chart", 0);
    assert.equal(before, 3 + 1, "train_loss of 3 steps and val_loss of step 2");
    appendFileSync(metrics, line(4));
    await textIs(page, "steps", "4");
    assert.equal(await pointsAbove(page, "loss-chart", before), 4 + 2);
    await textIs(page, "last-loss", (6 - 0.3 * 4).toFixed(4));
    // The run's data report: kept and removed bars for each of its 3 stages, the removed counts, the full report's
    // link; its canaries: a fit and a rank bar each.
    assert.equal(await pointsAbove(page, "data-chart", 0), 2 * 3);
    assert.deepEqual(await page.locator("[data-testid=data-stages] tbody td[data-testid^=removed-]").allTextContents(), ["0", "10", "9"]);
    assert.match((await page.locator("[data-testid=data-html]").getAttribute("href"))!, /^\/api\/explorer\/data-report\.html\?run=/);
    assert.equal(await pointsAbove(page, "canary-chart", 0), 2 * 2);
    await shot("training");

    // Instruction tuning: a typed prompt, answered by both served models in columns, each generateText's greedy
    // answer through the chat template (the same weights: the same answer), with a chart of their mean log p.
    await page.locator("[data-testid=nav-tuning]").click();
    const asked = "Tell me a story about a red ball.";
    await page.locator("[data-testid=tune-prompt]").fill(asked);
    await page.locator("[data-testid=tune-max-tokens]").fill("16");
    await page.locator("[data-testid=answer]").click();
    for (const m of ["stories", "again"]) await page.waitForSelector(`[data-testid=column-${m}][data-state=done]`, { timeout: 60_000 });
    const greedyChat = await generateText(model, chatPromptIds(model, [{ role: "user", content: asked }]), { temperature: 0, maxTokens: 16, repeatPenalty: 1 }, endOfTurnIds(model.tokenizer));
    for (const m of ["stories", "again"]) {
      assert.equal(await page.locator(`[data-testid=answer-${m}]`).textContent(), greedyChat.text);
      await textIs(page, `tokens-${m}`, String(greedyChat.tokens.length));
    }
    assert.equal(await pointsAbove(page, "tune-chart", 1), 2);
    await page.locator("[data-testid=preset-japanese]").focus();
    await page.keyboard.press("Enter");
    assert.match(await page.locator("[data-testid=tune-prompt]").inputValue(), /猫/);
    // The run's alignment table: a row per checkpoint, DNA safe with its interval and n.
    await page.waitForSelector("[data-testid=alignment] tbody tr", { timeout: 30_000 });
    assert.deepEqual(await page.locator("[data-testid=alignment] tbody th").allTextContents(), ["sft", "dpo"]);
    assert.equal(await page.locator("[data-testid=alignment] tbody tr >> nth=1 >> td >> nth=0").textContent(), "80.0 % [70.0, 90.0] (n 50)");
    await shot("tuning");

    // Labelling: the navigation's entry opens kotodama label's page on the server's pairs.
    await page.locator("[data-testid=nav-label]").click();
    await page.waitForURL(/\/label\/$/, { timeout: 30_000 });
    await page.waitForSelector("text=A colour is a perception.", { timeout: 30_000 });
    await shot("label");
    await page.goto(`${serve.url}/explorer/#/training`);

    // Retrieval (extract mode): the answer is askGrounded's; its citation [1] takes focus to passage 1.
    const question = "What does the big brown dog named Max like to do?";
    await page.locator("[data-testid=nav-retrieval]").click();
    await page.locator("[data-testid=question]").fill(question);
    await page.locator("[data-testid=mode]").selectOption("extract");
    await page.locator("[data-testid=ask]").click();
    const grounded = await askGrounded(question, new LexicalIndex(join(runs, "index")), {}, { ...ASK_DEFAULTS, mode: "extract" });
    await page.waitForSelector("[data-testid=cite-1]", { timeout: 30_000 });
    assert.equal((await page.locator("[data-testid=answer]").textContent())!, grounded.answer);
    await page.locator("[data-testid=cite-1]").click();
    assert.equal(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id), "source-1");
    assert.match((await page.locator("[data-testid=source-1]").textContent())!, /Tom has a big brown dog named Max/);
    await pointsAbove(page, "rag-chart", 0);
    await shot("retrieval");

    // Safety: the hand-built guard's 12/13, its area and the policy's decision.
    await page.locator("[data-testid=nav-safety]").click();
    const check = checkInput(guard, "How do I pick a lock?");
    await textIs(page, "unsafe", pct(12 / 13));
    await textIs(page, "area", "Malicious Uses");
    await textIs(page, "decision", `${check.policy.action} (flagged)`);
    await pointsAbove(page, "safety-chart", 0);
    await shot("safety");

    assert.deepEqual(errors, [], "no page or console errors");
  } finally {
    await browser.close();
    serve.child.kill("SIGTERM");
    rmSync(runs, { recursive: true, force: true });
  }
});
