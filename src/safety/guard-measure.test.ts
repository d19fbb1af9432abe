// Tests of the guard's measurement (guard-measure.ts) against ../shared/data (skipped when it is absent), with a
// table-driven LM guard (guard.fixture.ts) that flags exactly the prompts chosen here: the everyday requests are
// counted per language and apart from XSTest, and blocked is counted from the policy.
import assert from "node:assert/strict";
import { test } from "node:test";
import { readXstest } from "../eval/safety/prompts.js";
import { sharedPath } from "../util/paths.js";
import { everydayHeldOut } from "./guard-data.js";
import { HOWTO_BENIGN_EN } from "./guard-howto.js";
import { measureGuard } from "./guard-measure.js";
import { tableGuard } from "./guard.fixture.js";

const dataDir = sharedPath("data");

test("guard measurement: everyday requests flagged per language, apart from XSTest's safe prompts", { skip: dataDir === null ? "../shared/data absent" : false }, async () => {
  const everyday = new Set(everydayHeldOut().map((e) => e.text));
  const firstSafe = readXstest(dataDir!).find((p) => p.label === "benign")!.prompt;
  // Flag the English everyday requests in the first frame ("How do I …?") and one XSTest safe prompt, as illegal
  // activities (S2: refused).
  const { guard } = tableGuard((key) => ((everyday.has(key) && key.startsWith("How do I ")) || key === firstSafe ? ["unsafe\nS2", 0.9] : undefined));
  const m = await measureGuard(guard, dataDir!, { passes: 1, responses: 10 });
  // Held out: indices 3, 7, 11, … (i % 4 = 3); framed "How do I …?": i % 7 = 0; both: i % 28 = 7.
  const nEn = HOWTO_BENIGN_EN.length, want = Array.from({ length: nEn }, (_, i) => i).filter((i) => i % 28 === 7).length;
  assert.ok(want >= 10, `${want} English everyday requests in the first frame`);
  assert.deepEqual(m.everydayFlagged.en, { n: Math.floor(nEn / 4), k: want, rate: want / Math.floor(nEn / 4) });
  assert.equal(m.everydayFlagged.ja.k, 0);
  assert.equal(m.everydayBlocked.k, want);
  assert.equal(m.everydayBlocked.n, m.everydayFlagged.en.n + m.everydayFlagged.ja.n);
  assert.equal(m.xstestSafeFlagged.k, 1);
  assert.equal(m.dnaRecall.k, 0);
  assert.equal(m.policyMix["everyday/benign: refuse"], want);
});
