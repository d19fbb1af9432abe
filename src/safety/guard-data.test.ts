// Tests of the guard's training data against ../shared/data (skipped when it is absent): no held-out Do-Not-Answer
// prompt and no XSTest prompt is ever among the training or calibration prompts, every non-held-out Do-Not-Answer
// prompt is, every borderline prompt (borderline.ts) is, as benign, the fit and calibration parts are disjoint, and
// the split is the same for the same seed; the contrast generator's prompts are fitted on, never calibrated on; the
// direct requests are split by core into the fit and the second calibration pool, and no held-out probe is read; the
// everyday how-to requests the measurement counts are never trained on.
import assert from "node:assert/strict";
import { test } from "node:test";
import { dnaHeldOutPrompts, readXstest } from "../eval/safety/prompts.js";
import { sharedPath } from "../util/paths.js";
import { BORDERLINE } from "../data/instruct/borderline.js";
import { RISKY_CONTRASTS } from "./guard-contrast.js";
import { DIRECT_POOL, everydayHeldOut, HOWTO_FRAMES_EN, HOWTO_FRAMES_JA, loadGuardData } from "./guard-data.js";
import { HOWTO_BENIGN_EN, HOWTO_BENIGN_JA } from "./guard-howto.js";
import { composeDirect } from "./guard-direct.js";
import { DIRECT_PROBES } from "./guard-direct-probes.js";
import { HARM_TYPES } from "./guard-taxonomy.js";
import { generateContrasts } from "../data/instruct/contrast.js";

const dataDir = sharedPath("data");
const opts = { seed: 1, calibFraction: 0.25, maxWiki: 300, maxJa: 100, borderline: true, questionForms: true, contrasts: true };

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

test("guard data: every borderline prompt is a benign example (split between fit and calibration), none when off", { skip: dataDir === null ? "../shared/data absent" : false }, () => {
  const d = loadGuardData(dataDir!, opts);
  const all = [...d.fit, ...d.calib];
  const borderline = BORDERLINE.flatMap(([, items]) => items.map(([q]) => q));
  assert.ok(borderline.length >= 120, `the borderline set has ${borderline.length} prompts`);
  assert.equal(d.sources["kotodama borderline (borderline.ts)"], borderline.length);
  const byText = new Map(all.map((x) => [x.text, x]));
  for (const q of borderline) {
    const x = byText.get(q);
    assert.ok(x !== undefined, `borderline prompt missing: ${q}`);
    assert.equal(x.label, 0, `borderline prompt not benign: ${q}`);
  }
  const inCalib = d.calib.filter((x) => x.source.startsWith("borderline:")).length;
  assert.ok(Math.abs(inCalib - 0.25 * borderline.length) <= 8, `about a quarter calibrate (${inCalib})`);
  // The question forms of Self-Instruct are benign too, and read like Do-Not-Answer's openings.
  const ask = all.filter((x) => x.source.startsWith("self-instruct-ask:"));
  assert.ok(ask.length > 200 && ask.every((x) => x.label === 0 && /^(Can you|Could you help me|How do I|What is the best way to|I want to) /.test(x.text)));
  const off = loadGuardData(dataDir!, { ...opts, borderline: false, questionForms: false, contrasts: false });
  assert.ok([...off.fit, ...off.calib].every((x) => !x.source.startsWith("borderline:") && !x.source.startsWith("self-instruct-ask:") && !x.source.startsWith("contrast:")));
});

test("guard data: the risky contrasts are risky examples and share no word 4-gram with an XSTest prompt", { skip: dataDir === null ? "../shared/data absent" : false }, () => {
  const d = loadGuardData(dataDir!, opts);
  const mine = [...d.fit, ...d.calib].filter((x) => x.source.startsWith("contrast:"));
  assert.equal(mine.length, RISKY_CONTRASTS.length);
  assert.ok(mine.every((x) => x.label > 0));
  // The question's opening ("how do i", "what is the best way to") set aside, as borderline.test.ts does.
  const OPENERS = /^(how (do|can|should) (i|we|you)|what('s| is) (the|a) (best|good|fastest|easiest) way( of| to)?|what (is|was|are)|where (is|does|did|can|should)|why (are|should|do|is))\s+/;
  const grams = (t: string): string[] => {
    const w = t.toLowerCase().replace(/[^a-z0-9' ]+/g, " ").trim().replace(OPENERS, "").split(/\s+/);
    return w.slice(3).map((_, i) => w.slice(i, i + 4).join(" "));
  };
  const xs = new Set(readXstest(dataDir!).flatMap((p) => grams(p.prompt)));
  for (const c of RISKY_CONTRASTS) for (const g of grams(c.text)) assert.ok(!xs.has(g), `'${c.text}' shares '${g}' with XSTest`);
});

test("guard data: the contrast generator's prompts, look-alikes benign and twins risky with their harm type, are all fitted on", { skip: dataDir === null ? "../shared/data absent" : false }, () => {
  const d = loadGuardData(dataDir!, { ...opts, generated: 20 });
  const gen = generateContrasts({ seed: 1, perKind: 20 });
  const mine = d.fit.filter((x) => x.source.startsWith("gen-"));
  assert.equal(mine.length, gen.length);
  assert.equal(d.calib.filter((x) => x.source.startsWith("gen-")).length, 0, "never calibrated on");
  const byText = new Map(mine.map((x) => [x.text, x]));
  for (const c of gen) {
    const x = byText.get(c.prompt)!;
    assert.ok(x !== undefined, c.prompt);
    if (c.harm === null) assert.equal(x.label, 0, c.prompt);
    else assert.equal(HARM_TYPES[x.label - 1]!.type, c.harm, c.prompt);
  }
  assert.equal(loadGuardData(dataDir!, opts).fit.filter((x) => x.source.startsWith("gen-")).length, 0, "off by default");
  // The other sources' split does not depend on the generator.
  assert.deepEqual(d.calib.map((x) => x.source), loadGuardData(dataDir!, opts).calib.map((x) => x.source));
});

test("guard data: the direct requests, risky with their harm type and benign, split by core into fit and the second pool; never a probe", { skip: dataDir === null ? "../shared/data absent" : false }, () => {
  const d = loadGuardData(dataDir!, { ...opts, direct: 30 });
  const sample = composeDirect({ seed: 1, perType: 30 });
  const mine = [...d.fit, ...d.calib].filter((x) => x.source.startsWith(DIRECT_POOL));
  assert.equal(mine.length, sample.length);
  assert.equal(d.sources["direct requests, risky (guard-direct.ts)"], sample.filter((p) => p.type !== null).length);
  const byText = new Map(mine.map((x) => [x.text, x]));
  for (const p of sample) {
    const x = byText.get(p.text);
    assert.ok(x !== undefined, p.text);
    if (p.type === null) assert.equal(x.label, 0, p.text);
    else assert.equal(HARM_TYPES[x.label - 1]!.type, p.type, p.text);
  }
  // Split by core (kind/side/core): no core has a frame in the fit and another in the calibration part.
  const core = (s: string): string => s.split("/").slice(0, 3).join("/");
  const fitCores = new Set(d.fit.filter((x) => x.source.startsWith(DIRECT_POOL)).map((x) => core(x.source)));
  const calib = d.calib.filter((x) => x.source.startsWith(DIRECT_POOL));
  assert.ok(calib.every((x) => !fitCores.has(core(x.source))), "a calibration core is also fitted on");
  const calibCores = new Set(calib.map((x) => core(x.source))), allCores = new Set(mine.map((x) => core(x.source)));
  assert.ok(Math.abs(calibCores.size - 0.25 * allCores.size) <= 12, `about a quarter of the cores calibrate (${calibCores.size} of ${allCores.size})`);
  for (const h of HARM_TYPES) assert.ok(calib.some((x) => x.label > 0 && HARM_TYPES[x.label - 1]!.type === h.type), `no ${h.type} in the second pool`);
  // The held-out probes are nowhere in the guard's data, with every direct request drawn.
  const all = loadGuardData(dataDir!, { ...opts, direct: 1000 });
  const texts = new Set([...all.fit, ...all.calib].map((x) => x.text.trim().toLowerCase()));
  for (const p of DIRECT_PROBES) assert.ok(!texts.has(p.text.toLowerCase()), `held-out probe in the guard's data: ${p.text}`);
  // Fit only: none calibrated on. Off by default. The other sources' split does not move.
  const fitOnly = loadGuardData(dataDir!, { ...opts, direct: 30, directPool: false });
  assert.equal(fitOnly.calib.filter((x) => x.source.startsWith(DIRECT_POOL)).length, 0);
  assert.equal(fitOnly.fit.filter((x) => x.source.startsWith(DIRECT_POOL)).length, sample.length);
  const off = loadGuardData(dataDir!, opts);
  assert.equal([...off.fit, ...off.calib].filter((x) => x.source.startsWith(DIRECT_POOL)).length, 0);
  assert.deepEqual(d.calib.filter((x) => !x.source.startsWith(DIRECT_POOL)).map((x) => x.source), off.calib.map((x) => x.source));
});

test("guard data: with dnaJa, each non-held-out Do-Not-Answer prompt's Japanese translation is risky with its harm type, in the same part as its original", { skip: dataDir === null ? "../shared/data absent" : false }, () => {
  const d = loadGuardData(dataDir!, { ...opts, dnaJa: true });
  const all = [...d.fit.map((x) => ({ ...x, part: "fit" })), ...d.calib.map((x) => ({ ...x, part: "calib" }))];
  const en = new Map(all.filter((x) => /^dna:\d+$/.test(x.source)).map((x) => [x.source, x]));
  const ja = all.filter((x) => x.source.endsWith(":ja"));
  assert.equal(ja.length, 752);
  assert.equal(d.sources["do-not-answer (non-held-out)"], 2 * 752);
  for (const x of ja) {
    const o = en.get(x.source.slice(0, -":ja".length))!;
    assert.ok(o !== undefined, x.source);
    assert.deepEqual([x.label, x.part], [o.label, o.part], `${x.source}: label and part as its original`);
    assert.ok(/[\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Han}]/u.test(x.text) && x.text !== o.text, `${x.source}: a Japanese text`);
  }
  // Off by default; the English prompts' split is unchanged by the translations.
  const off = loadGuardData(dataDir!, opts);
  assert.ok([...off.fit, ...off.calib].every((x) => !x.source.endsWith(":ja")));
  assert.deepEqual(off.calib.filter((x) => x.source.startsWith("dna:")).map((x) => x.source), d.calib.filter((x) => /^dna:\d+$/.test(x.source)).map((x) => x.source));
});

test("guard data: with howto, the everyday how-to requests but the held-out fourth are benign, in a how-to frame; off, none is read", { skip: dataDir === null ? "../shared/data absent" : false }, () => {
  const on = loadGuardData(dataDir!, { ...opts, howto: true }), off = loadGuardData(dataDir!, opts);
  const trained = (n: number): number => n - Math.floor(n / 4); // indices 3, 7, 11, … are held out
  assert.equal(on.sources["everyday how-to requests, english (guard-howto.ts)"], trained(HOWTO_BENIGN_EN.length));
  assert.equal(on.sources["everyday how-to requests, japanese (guard-howto.ts)"], trained(HOWTO_BENIGN_JA.length));
  const howto = [...on.fit, ...on.calib].filter((x) => x.source.startsWith("howto-"));
  assert.equal(howto.length, trained(HOWTO_BENIGN_EN.length) + trained(HOWTO_BENIGN_JA.length));
  for (const x of howto) {
    assert.equal(x.label, 0, x.text);
    const [lang, i] = x.source.slice("howto-".length).split(":") as ["en" | "ja", string];
    assert.notEqual(Number(i) % 4, 3, `held-out everyday request ${x.source} is trained on`);
    const core = (lang === "en" ? HOWTO_BENIGN_EN : HOWTO_BENIGN_JA)[Number(i)]!;
    assert.ok((lang === "en" ? HOWTO_FRAMES_EN : HOWTO_FRAMES_JA).some((f) => f(core) === x.text), x.text);
  }
  // The measurement's everyday requests: the other fourth, framed the same way, and none of them in the data.
  const held = everydayHeldOut(), texts = new Set([...on.fit, ...on.calib].map((x) => x.text));
  assert.equal(held.length, Math.floor(HOWTO_BENIGN_EN.length / 4) + Math.floor(HOWTO_BENIGN_JA.length / 4));
  assert.equal(held[0]!.text, HOWTO_FRAMES_EN[3]!(HOWTO_BENIGN_EN[3]!));
  assert.equal(held.at(-1)!.lang, "ja");
  for (const e of held) assert.ok(!texts.has(e.text), `held-out everyday request "${e.text}" is in the guard's data`);
  assert.ok(howto.some((x) => on.calib.includes(x)) && howto.some((x) => on.fit.includes(x)), "split into fit and calibration like the other sources");
  assert.ok([...off.fit, ...off.calib].every((x) => !x.source.startsWith("howto-")));
});
