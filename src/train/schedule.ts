// The learning-rate schedule: linear warm-up to lr, then cosine decay to minLr at maxSteps (nanoGPT's
// get_lr; the same formula as bench/torch_ref.py's lr_at). Not here: the optimizer (nn/optim/adamw.ts).
import type { TrainConfig } from "./config.js";

/** Learning rate of step (0-based). */
export function lrAt(step: number, c: Pick<TrainConfig, "lr" | "minLr" | "warmupSteps" | "maxSteps">): number {
  if (step < c.warmupSteps) return (c.lr * (step + 1)) / c.warmupSteps;
  const p = Math.min(1, (step - c.warmupSteps) / Math.max(1, c.maxSteps - c.warmupSteps));
  return c.minLr + 0.5 * (c.lr - c.minLr) * (1 + Math.cos(Math.PI * p));
}
