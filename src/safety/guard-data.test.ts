// Tests of the guard's training data against ../shared/data (skipped when it is absent): no held-out Do-Not-Answer
// prompt and no XSTest prompt is ever among the training or calibration prompts, every non-held-out Do-Not-Answer
// prompt is, the fit and calibration parts are disjoint, and the split is the same for the same seed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { dnaHeldOutPrompts, readXstest } from "../eval/safety/prompts.js";
import { sharedPath } from "../util/paths.js";
import { loadGuardData } from "./guard-data.js";

const dataDir = sharedPath("data");
const opts = { seed: 1, calibFraction: 0.25, maxWiki: 300, maxJa: 100, borderline: true, questionForms: true };

test("guard data: never the held-out Do-Not-Answer prompts or XSTest; fit and calibration disjoint", { skip: dataDir === null ? "../shared/data absent" : false }, () => {
  const d = loadGuardData(dataDir!, opts);
  const texts = new Set([...d.fit, ...d.calib].map((x) => x.text.trim()));
  const held = dnaHeldOutPrompts(dataDir!);
  assert.equal(held.length, 187);
  for (const p of held) assert.ok(!texts.has(p.prompt.trim()), `held-out prompt ${p.id} is in the guard's data`);
  for (const p of readXstest(dataDir!)) assert.ok(!texts.has(p.prompt.trim()), `XSTest ${p.id} is in the guard's data`);
  assert.equal(d.sources["do-not-answer (non-held-out)"], 939 - 187);
  const fitIds = new Set(d.fit.map((x) => x.source));
  assert.ok(d.calib.every((x) => !fitIds.has(x.source)));
  const dnaCalib = d.calib.filter((x) => x.source.startsWith("dna:")).length;
  assert.ok(Math.abs(dnaCalib - 0.25 * 752) < 12, `about a quarter of the DNA prompts calibrate (${dnaCalib})`);
  assert.deepEqual(loadGuardData(dataDir!, opts).calib.map((x) => x.source), d.calib.map((x) => x.source), "same seed, same split");
});
