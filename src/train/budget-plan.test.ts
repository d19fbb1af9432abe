// Fitting the schedule to a time budget: the fit points, the speed estimate and the fitted length against worked
// numbers, and the loop re-fitting after slow first steps (an injected clock).
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadBackend } from "../engine/backend.js";
import { fitMaxSteps, isReplanStep, recentStepSeconds, REPLAN_EVERY, SPEED_WINDOW } from "./budget-plan.js";
import { resolveRunConfig } from "./config.js";
import type { TokenData } from "./data.js";
import { SCHEDULE_FILE, train, type FittedSchedule } from "./loop.js";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "../util/rng.js";
import { namedWeights } from "../models/weights.js";

test("fit points: the first fit, then every REPLAN_EVERY steps while the decay has run ≤ 20 %", () => {
  const s = { maxSteps: 1000, warmupSteps: 50, fitAt: 10 };
  assert.equal(isReplanStep({ ...s, step: 9 }), false);
  assert.equal(isReplanStep({ ...s, step: 10 }), true);
  assert.equal(isReplanStep({ ...s, step: 11 }), false);
  assert.equal(isReplanStep({ ...s, step: REPLAN_EVERY * 2 }), true); // 50: the end of warm-up
  assert.equal(isReplanStep({ ...s, step: 225 }), true); // (225 − 50) / 950 = 18.4 %
  assert.equal(isReplanStep({ ...s, step: 250 }), false); // 21.1 %
  assert.equal(isReplanStep({ ...s, step: 25, maxSteps: 20 }), false); // the schedule is over
});

test("speed: the median of the recent steps, the first step left out", () => {
  assert.equal(recentStepSeconds([9, 1, 3, 2]), 2);
  assert.equal(recentStepSeconds([9, 1, 3, 2, 4]), 2.5);
  assert.equal(recentStepSeconds([7]), 7);
  const slowThenFast = [5, ...Array.from({ length: 30 }, () => 4), ...Array.from({ length: SPEED_WINDOW }, () => 1)];
  assert.equal(recentStepSeconds(slowThenFast), 1, "only the last SPEED_WINDOW steps count");
});

test("fitted length: the budget's remainder at the recent speed", () => {
  // 100 s budget, 92 s to fill, 12 s spent, 0.5 s a step plus 10 % evaluation → 80 / 0.55 = 145.45 → 145 more.
  const steps = [2, ...Array.from({ length: 9 }, () => 0.5)];
  assert.equal(fitMaxSteps({ step: 10, stepSeconds: steps, elapsedS: 12, budgetS: 100, evalShare: 0.1, minSteps: 0 }), 155);
  assert.equal(fitMaxSteps({ step: 10, stepSeconds: steps, elapsedS: 95, budgetS: 100, evalShare: 0, minSteps: 0 }), 11, "spent: one more");
  assert.equal(fitMaxSteps({ step: 10, stepSeconds: steps, elapsedS: 95, budgetS: 100, evalShare: 0, minSteps: 40 }), 40);
});

/** A one-layer model on 2,000 random tokens of a 17-token vocabulary, one thread. */
function toyRun(warmupSteps: number, maxSteps: number, seed: number): { backend: ReturnType<typeof loadBackend>; run: ReturnType<typeof resolveRunConfig>; data: TokenData } {
  const run = resolveRunConfig("tiny", {
    model: { vocabSize: 17, dim: 16, nLayers: 1, nHeads: 2, nKvHeads: 2, hiddenDim: 32, context: 8 },
    train: { batchSize: 2, warmupSteps, maxSteps, evalInterval: 1000, evalBatches: 1, checkpointInterval: 0 },
  });
  const rng = new Rng(seed);
  const tokens = Uint16Array.from({ length: 2000 }, () => rng.int(17));
  return { backend: loadBackend({ threads: 1 }), run, data: { train: tokens.subarray(0, 1800), val: tokens.subarray(1800), vocabSize: 17, description: "random", tokenizerPath: null } };
}

test("the loop re-fits its schedule when the first steps were slow (a busy machine), and not after 20 % of the decay", () => {
  const { backend, run, data } = toyRun(20, 100000, 3);
  // A fake clock. The loop reads it once at the start and three times a step (its start, its end, the budget's
  // elapsed time): the end read of step k (read 3k) moves it by that step's time: 2 s for steps 1–10, 0.2 s for
  // steps 11–120, 1 s after (busy again, past the re-fit window).
  let t = 0;
  let reads = 0;
  const clock = (): number => {
    reads++;
    if (reads % 3 === 0) t += reads / 3 <= 10 ? 2000 : reads / 3 <= 120 ? 200 : 1000;
    return t;
  };
  const logs: string[] = [];
  const res = train({ run, data, backend, outDir: null, evaluate: false, timeBudgetS: 100, fitMaxStepsToBudget: true, clock, log: (m) => logs.push(m) });
  // First fit at step 10 (all slow): 10 + (92 − 20) / 2 = 46. Re-fit at 25 at 0.2 s: (92 − 23) / 0.2 → 25 + 345 = 370;
  // at 50 and 75 the estimate stays 0.2 s, so the length stays 370 (same remainder at the same speed); at 100 the
  // decay has run (100 − 20) / 350 = 23 %: no more re-fits. From step 121 at 1 s a step the budget ends the run:
  // 20 + 110 × 0.2 = 42 s at step 120, 100 s at step 178.
  assert.match(logs.join("\n"), /schedule set to 46 steps/);
  assert.match(logs.join("\n"), /step 25: .* schedule 46 → 370 steps/);
  assert.equal(logs.filter((l) => l.includes("→")).length, 1);
  assert.equal(res.maxSteps, 370);
  assert.equal(res.steps, 178);
});

test("fitOnlyShorter: where the budget allows more, the run is the run without a budget, bit for bit; where it allows less, it is shortened", () => {
  const { backend, run, data } = toyRun(10, 60, 5);
  // A clock of `perStep` seconds a step (three reads a step, the third moves it; see the test above).
  const clockOf = (perStep: number): (() => number) => {
    let t = 0, reads = 0;
    return () => {
      reads++;
      if (reads % 3 === 0) t += perStep * 1000;
      return t;
    };
  };
  const plain = train({ run, data, backend, outDir: null, evaluate: false });
  // 100 s at 0.1 s a step would fit ~900 steps: the run keeps its 60 and learns exactly what the plain run learns.
  const logs: string[] = [];
  const fast = train({ run, data, backend, outDir: null, evaluate: false, timeBudgetS: 100, fitMaxStepsToBudget: true, fitOnlyShorter: true, clock: clockOf(0.1), log: (m) => logs.push(m) });
  assert.equal(fast.maxSteps, 60);
  assert.equal(fast.steps, 60);
  assert.match(logs.join("\n"), /schedule set to 60 steps \(the budget would allow \d+\)/);
  const bytes = (r: typeof plain): number[] => namedWeights(r.weights).flatMap((n) => [...n.tensor.data]);
  assert.deepEqual(bytes(fast), bytes(plain), "same weights as the run without a budget");
  // Without fitOnlyShorter the same budget stretches the schedule (another run).
  const stretched = train({ run, data, backend, outDir: null, evaluate: false, timeBudgetS: 100, fitMaxStepsToBudget: true, clock: clockOf(0.1), stopAfterStep: 60 });
  assert.ok(stretched.maxSteps > 60);
  assert.notDeepEqual(bytes(stretched), bytes(plain));
  // 10 s at 0.5 s a step: first fit at step 10 (5 s spent), (9.2 − 5) / 0.5 → 8 more: 18 steps. In a run directory the
  // fitted length is recorded in schedule.json; config.json keeps the 60 asked for.
  const dir = mkdtempSync(join(tmpdir(), "kd-schedule-"));
  try {
    const slow = train({ run, data, backend, outDir: dir, evaluate: false, timeBudgetS: 10, fitMaxStepsToBudget: true, fitOnlyShorter: true, clock: clockOf(0.5) });
    assert.equal(slow.maxSteps, 18);
    const rec = JSON.parse(readFileSync(join(dir, SCHEDULE_FILE), "utf8")) as FittedSchedule;
    assert.deepEqual([rec.maxSteps, rec.configuredMaxSteps, rec.timeBudgetS, rec.secondsPerStep, rec.fittedAtStep, rec.onlyShorter], [18, 60, 10, 0.5, 10, true]);
    assert.equal((JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as { train: { maxSteps: number } }).train.maxSteps, 60);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Without a budget, no schedule.json.
  const dir2 = mkdtempSync(join(tmpdir(), "kd-schedule-"));
  try {
    train({ run: { ...run, train: { ...run.train, maxSteps: 3 } }, data, backend, outDir: dir2, evaluate: false });
    assert.equal(existsSync(join(dir2, SCHEDULE_FILE)), false);
  } finally {
    rmSync(dir2, { recursive: true, force: true });
  }
});
