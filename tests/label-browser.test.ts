// `kotodama label` in headless Chromium: a scripted person labels 10 pairs with the keyboard (left, right, tie by
// t and by ↓, a skip, tags toggled on and off, an undo), the page is reloaded and the server restarted in the
// middle, and the --out file is compared line by line with records written out by hand.
// Not here: the API's edge cases (src/server/label.test.ts), file parsing (src/train/preference/*.test.ts).
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { listen, type Listening } from "../src/server/http.js";
import { labelApp } from "../src/server/label.js";
import { LabelSession, pairsSource, readPairs } from "../src/train/preference/index.js";
import { chromiumOrSkip } from "./support/browser.js";

const PAIRS = [
  { id: "p1", prompt: "Capital of France?", a: "Paris.", b: "Lyon." },
  { id: "p2", prompt: "2+2?", a: "5", b: "4" },
  { id: "p3", prompt: "Say hi", a: "Hi!", b: "Hello!" },
  { id: "p4", prompt: "Translate 'neko'", a: "cat", b: "dog" },
  { prompt: "Line five has no id", a: "A5", b: "B5" },
  { id: "p6", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Name a colour." }], a: "Blue.", b: "A colour is a visual perception." },
  { id: 7, prompt: "Seven", a: "A7", b: "B7" },
  { id: "p8", prompt: "Multi\nline\nprompt", a: "x\ny", b: "z" },
  { id: "p9", prompt: "Unicode 言霊", a: "言葉の魂", b: "ことだま" },
  { id: "p10", prompt: "Last", a: "A10", b: "B10" },
];

// What the file must hold, written out by hand in the documented key order (docs/labelling.md).
const EXPECTED = [
  { id: "p1", prompt: "Capital of France?", chosen: "Paris.", rejected: "Lyon.", source: "label" },
  { id: "p2", prompt: "2+2?", chosen: "4", rejected: "5", source: "label", tags: ["correct"] },
  { id: "p3", prompt: "Say hi", chosen: "Hi!", rejected: "Hello!", source: "label", tie: true },
  { id: "p4", prompt: "Translate 'neko'", chosen: "cat", rejected: "dog", source: "label", skip: true },
  { id: 5, prompt: "Line five has no id", chosen: "B5", rejected: "A5", source: "label", tags: ["helpful", "concise"] },
  { id: "p6", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Name a colour." }], chosen: "A colour is a visual perception.", rejected: "Blue.", source: "label" },
  { id: 7, prompt: "Seven", chosen: "A7", rejected: "B7", source: "label" },
  { id: "p8", prompt: "Multi\nline\nprompt", chosen: "x\ny", rejected: "z", source: "label", tie: true },
  { id: "p9", prompt: "Unicode 言霊", chosen: "言葉の魂", rejected: "ことだま", source: "label", tags: ["fluent"] },
  { id: "p10", prompt: "Last", chosen: "B10", rejected: "A10", source: "label" },
];

/** The bits of the page's DOM the predicates read (this file compiles without the DOM types). Predicates are
 *  functions, not strings: the page's Content-Security-Policy forbids eval, and the test keeps it on. */
type PageDom = { document: { querySelector(s: string): { textContent: string | null } | null; querySelectorAll(s: string): { length: number } } };

/** Waits until the page shows progress `done of 10` and, unless done, the given left answer. */
async function at(page: Page, done: number, left: string | null): Promise<void> {
  const predicate = ([want, l]: readonly [string, string | null]): boolean => {
    const d = (globalThis as unknown as PageDom).document;
    const shows = l === null ? d.querySelector("[data-testid=done]") !== null : d.querySelector("[data-testid=left]")?.textContent === l;
    return d.querySelector("[data-testid=progress]")?.textContent === want && shows;
  };
  await page.waitForFunction(predicate, [`${done} of 10`, left] as const, { timeout: 20_000 });
}

/** Presses tag keys, waiting for each toggle to show, then the choice key. */
async function press(page: Page, tagKeys: readonly string[], choiceKey: string): Promise<void> {
  for (const k of tagKeys) {
    const before = await page.locator("[data-testid=tags] button.on").count();
    await page.keyboard.press(k);
    await page.waitForFunction((n: number) => (globalThis as unknown as PageDom).document.querySelectorAll("[data-testid=tags] button.on").length !== n, before, { timeout: 20_000 });
  }
  await page.keyboard.press(choiceKey);
}

test("a scripted person labels 10 pairs by keyboard, with a reload and a server restart; the JSONL is right line by line", { timeout: 120_000 }, async (t) => {
  const browser = await chromiumOrSkip(t);
  if (browser === null) return;
  const dir = mkdtempSync(join(tmpdir(), "kotodama-label-"));
  const pairsFile = join(dir, "pairs.jsonl");
  const out = join(dir, "labels.jsonl");
  writeFileSync(pairsFile, PAIRS.map((p) => JSON.stringify(p)).join("\n") + "\n");
  const start = (): Promise<Listening> => {
    const session = new LabelSession(pairsSource(readPairs(pairsFile)), out, ["helpful", "correct", "concise", "safe", "fluent"]);
    return listen(labelApp(session));
  };
  let server = await start();
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${server.url}/`); // redirects to /label/
    await at(page, 0, "Paris.");
    await page.keyboard.press("?");
    await page.waitForSelector("[data-testid=help]", { timeout: 5_000 });
    assert.match(await page.locator("[data-testid=help]").innerText(), /tie: both alike/);
    await press(page, [], "ArrowLeft");
    await at(page, 1, "5");
    await press(page, ["2"], "ArrowRight");
    await at(page, 2, "Hi!");
    await press(page, [], "t");
    await at(page, 3, "cat");
    await press(page, [], "s");
    await at(page, 4, "A5");
    assert.equal(await page.locator("[data-testid=prompt]").innerText(), "Line five has no id");
    await press(page, ["1", "3"], "l");
    await at(page, 5, "Blue.");

    // A reload in the middle shows the first pair without a label.
    await page.reload();
    await at(page, 5, "Blue.");
    assert.match(await page.locator("[data-testid=prompt]").innerText(), /system\s+Be brief\.\s+user\s+Name a colour\./i);
    await press(page, [], "ArrowLeft");
    await at(page, 6, "A7");
    await page.keyboard.press("u"); // undo: p6 again
    await at(page, 5, "Blue.");
    await press(page, [], "ArrowRight");
    await at(page, 6, "A7");

    // A server restart resumes from the file.
    await server.close();
    server = await start();
    await page.goto(`${server.url}/label/`);
    await at(page, 6, "A7");
    await press(page, [], "h");
    await at(page, 7, "x\ny");
    await press(page, [], "ArrowDown");
    await at(page, 8, "言葉の魂");
    await press(page, ["4", "4", "5"], "ArrowLeft");
    await at(page, 9, "A10");
    await press(page, [], "ArrowRight");
    await at(page, 10, null);
    await page.reload();
    await at(page, 10, null);
    assert.deepEqual(errors, []);

    const lines = readFileSync(out, "utf8").split("\n");
    assert.equal(lines.pop(), "", "the file ends with a newline");
    assert.equal(lines.length, EXPECTED.length);
    lines.forEach((line, i) => assert.equal(line, JSON.stringify(EXPECTED[i]), `line ${i + 1}`));
    assert.deepEqual(readdirSync(dir).sort(), ["labels.jsonl", "pairs.jsonl"], "no temp file is left behind");
  } finally {
    await browser.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
