// Fitting a run's schedule length to its time budget: npm start and `train --time-budget` without --max-steps
// set maxSteps from measured step times. The first fit comes after a few steps; later re-fits (every
// REPLAN_EVERY steps, while the cosine decay has run at most REPLAN_MAX_PROGRESS of its length) follow the current
// speed, so a machine that was busy during the first steps (another job, a test run) does not leave the run with a
// schedule a fraction of what the budget allows, and one that becomes busy early does not cut the decay short.
// Warm-up's learning rates do not depend on maxSteps; after it a re-fit moves the cosine's position a little
// (at 20 % progress, a doubled length moves the learning rate by < 8 %). Not here: the loop (loop.ts), the
// schedule's formula (schedule.ts).

/** Steps between re-fits after the first. */
export const REPLAN_EVERY = 25;
/** Re-fits stop once the cosine decay has covered this share of its length. */
export const REPLAN_MAX_PROGRESS = 0.2;
/** Recent steps whose median time is the speed estimate. */
export const SPEED_WINDOW = 50;
/** Share of the budget the training steps may fill (the rest: evaluation spikes, checkpoints, the last eval). */
export const BUDGET_FILL = 0.92;

export interface BudgetPlanState {
  readonly step: number; // steps completed
  readonly maxSteps: number;
  readonly warmupSteps: number;
  /** The first fit's step. */
  readonly fitAt: number;
}

/** Whether the schedule is fitted again after `step` steps. */
export function isReplanStep(s: BudgetPlanState): boolean {
  if (s.step === s.fitAt) return true;
  if (s.step < s.fitAt || s.step % REPLAN_EVERY !== 0 || s.step >= s.maxSteps) return false;
  const progress = (s.step - s.warmupSteps) / Math.max(1, s.maxSteps - s.warmupSteps);
  return progress <= REPLAN_MAX_PROGRESS;
}

export interface BudgetFitInput {
  readonly step: number;
  /** Seconds of every step of this session so far (the first pays for warm-up and is left out when others exist). */
  readonly stepSeconds: readonly number[];
  /** Seconds of the budget spent so far (training, evaluation, checkpoints). */
  readonly elapsedS: number;
  readonly budgetS: number;
  /** Evaluation time as a share of step time. */
  readonly evalShare: number;
  /** The schedule never goes below this many steps. */
  readonly minSteps: number;
}

/** The median time of the recent steps: the speed the rest of the run is expected to go at. */
export function recentStepSeconds(stepSeconds: readonly number[]): number {
  const xs = stepSeconds.length > 1 ? stepSeconds.slice(Math.max(1, stepSeconds.length - SPEED_WINDOW)) : stepSeconds.slice();
  if (xs.length === 0) return NaN;
  xs.sort((a, b) => a - b);
  const m = xs.length >> 1;
  return xs.length % 2 === 1 ? xs[m] : (xs[m - 1] + xs[m]) / 2;
}

/** The schedule length that fills the budget's remainder at the recent speed (at least one more step). */
export function fitMaxSteps(i: BudgetFitInput): number {
  const per = recentStepSeconds(i.stepSeconds) * (1 + i.evalShare);
  const left = Math.max(0, i.budgetS * BUDGET_FILL - i.elapsedS);
  return Math.max(i.step + 1, i.minSteps, i.step + Math.floor(left / per));
}
