// RL from a reward model (PPO, GRPO): advantages, losses, rollouts and the run. Not here: code (re-exports only).
export * from "./advantages.js";
export * from "./objectives.js";
export * from "./rollout.js";
export * from "./run.js";
