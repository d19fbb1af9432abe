import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readFileSync, readdirSync } from "node:fs";
import { createBoilerplateFilter, BOILERPLATE_DEFAULTS } from "./boilerplate.js";
import { readLabelledPages, scoreBoilerplate, tinyStories } from "./labelled.js";
import { normalizeText } from "./normalize.js";
import { packageRoot, sharedOrSkip } from "../util/paths.js";

const fixture = (name: string): string => join(packageRoot(), "tests", "fixtures", "data", name);
const f = createBoilerplateFilter();

test("a web page: menu, cookie banner, share buttons and legal lines go; the article stays, in order", () => {
  const page = [
    "Home | News | Sport | Weather",
    "We use cookies to improve your experience. Accept all cookies",
    "The river flooded the old town on Monday, and the bridge was closed for two days.",
    "Volunteers filled sandbags through the night to protect the school.",
    "Share on Facebook",
    "© 2026 Town Herald. All rights reserved.",
  ].join("\n");
  const r = f.clean(page, "web");
  assert.equal(r.text, "The river flooded the old town on Monday, and the bridge was closed for two days.\nVolunteers filled sandbags through the night to protect the school.");
  assert.deepEqual(r.removed.map((x) => x.rule), ["nav-menu", "cookie", "call-to-action", "legal"]);
  assert.equal(r.web, true); // 4 phrase lines ≥ autoDetectMinLines
});

test("Japanese page furniture goes; the U+3000 paragraph indent of the kept text stays", () => {
  const page = ["ホーム > ニュース > 社会", "　市は十日、駅前の再開発計画を発表した。", "続きを読む", "この記事をシェアする", "利用規約"].join("\n");
  const r = f.clean(page, "web");
  assert.equal(r.text, "　市は十日、駅前の再開発計画を発表した。");
  assert.deepEqual(r.removed.map((x) => x.rule), ["nav-menu", "call-to-action", "call-to-action", "legal"]);
});

test("prose that mentions cookies, reading more or clicking is kept; shape rules only on web documents", () => {
  const prose = "Grandma put a plate of warm cookies on the table.\nTom asked if he could read more stories before bed\nThe end";
  assert.deepEqual(f.clean(prose, "stories").removed, []);
  // The same text from a source declared as web loses its unpunctuated and short lines (C4's rules).
  const web = createBoilerplateFilter({ ...BOILERPLATE_DEFAULTS, webSources: ["crawl"] });
  assert.deepEqual(web.clean(prose, "crawl").removed, [
    { line: "Tom asked if he could read more stories before bed", rule: "no-terminal-punct" },
    { line: "The end", rule: "short-line" },
  ]);
  assert.deepEqual(web.clean(prose, "stories").removed, []);
  // Rules can be switched off one by one.
  const noShape = createBoilerplateFilter({ ...BOILERPLATE_DEFAULTS, webSources: ["*"], rules: ["cookie", "legal"] });
  assert.deepEqual(noShape.clean(prose, "any").removed, []);
  // A one-word phrase ("Search", 「検索」) is only furniture as the whole line.
  assert.deepEqual(f.clean("Search the garden for the lost ball, said Mom.\n「前へ進め」と先生が言った。", "x").removed, []);
});

test("labelled pages (tests/fixtures/data): precision and recall of line removal", () => {
  // The tuning set was written with the rules; the held-out set was written after them and not tuned on.
  const tuning = scoreBoilerplate(f, readLabelledPages(fixture("boilerplate.jsonl")), "web");
  assert.equal(tuning.tp + tuning.fn, 83);
  assert.equal(tuning.fp + tuning.tn, 50);
  assert.ok(tuning.precision >= 0.97 && tuning.recall >= 0.99, JSON.stringify(tuning));
  const held = scoreBoilerplate(f, readLabelledPages(fixture("boilerplate-heldout.jsonl")), "web");
  assert.equal(held.tp + held.fn, 30);
  assert.ok(held.precision >= 0.95 && held.recall >= 0.7, JSON.stringify(held));
  // Declaring the source as web turns the shape rules on for every page: recall rises, precision falls.
  const declared = scoreBoilerplate(createBoilerplateFilter({ ...BOILERPLATE_DEFAULTS, webSources: ["web"] }), readLabelledPages(fixture("boilerplate-heldout.jsonl")), "web");
  assert.ok(declared.recall > held.recall, JSON.stringify(declared));
});

test("clean TinyStories and Aozora lose almost no lines (../shared/data)", (t) => {
  const ts = sharedOrSkip(t, "data", "tinystories");
  const az = sharedOrSkip(t, "data", "aozora", "clean");
  if (ts === null || az === null) return;
  const stories = tinyStories(ts);
  const docs = [...stories.calibration, ...stories.heldOut];
  for (const file of readdirSync(az).sort()) for (const p of readFileSync(join(az, file), "utf8").split("\n\n")) docs.push(normalizeText(p));
  let lines = 0;
  let removed = 0;
  for (const d of docs) {
    lines += d.split("\n").filter((l) => l.trim() !== "").length;
    removed += f.clean(d, "corpus").removed.length;
  }
  assert.ok(lines > 40_000);
  assert.ok(removed / lines <= 0.001, `${removed} of ${lines} lines removed`);
});
