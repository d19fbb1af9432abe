// Guards built by hand for tests. zeroGuard: an n-gram guard with all weights zero, so every prompt scores 12/13
// unsafe (the gate's 13 classes tie; "unsafe" is the 12 harm classes' share) in one area, and every response 0.5
// harmful; one threshold for all areas. Whether it flags is set by the threshold alone, which makes routes,
// policies and wrappers testable without training. tableGuard: an LM guard whose judge answers from a table,
// counting its calls. Not guards to use.
import { GUARD_DEFAULTS, type Guard } from "./guard-model.js";
import { NGRAM_BUCKETS } from "./ngram-logreg.js";
import { GUARD_AREAS, GUARD_CLASSES } from "./guard-taxonomy.js";
import { judgementOf, type LmJudge } from "./guard-lm-judge.js";
import { LM_GUARD_DEFAULTS, type LmGuard } from "./guard-lm-model.js";

export function zeroGuard(threshold = 0.5, outputThreshold = GUARD_DEFAULTS.outputThreshold): Guard {
  return {
    settings: { ...GUARD_DEFAULTS, outputThreshold, stages: 1 },
    prompt: { features: GUARD_DEFAULTS.features, gate: { classes: GUARD_CLASSES, weight: new Float32Array(NGRAM_BUCKETS * GUARD_CLASSES), bias: new Float32Array(GUARD_CLASSES) }, harm: null },
    response: { classes: 2, weight: new Float32Array(NGRAM_BUCKETS * 2), bias: new Float32Array(2) },
    thresholds: [threshold, threshold, threshold, threshold, threshold],
    thresholdsJa: null,
  };
}

/** An LM guard whose judge answers a conversation from `replies` (key: the turns' contents joined by " | ", or a
 *  function of them) with a Llama Guard reply and P(unsafe); anything else is "safe" at 0.01. `calls` records the keys. */
export function tableGuard(replies: Record<string, [string, number]> | ((key: string) => [string, number] | undefined), threshold = 0.5): { guard: LmGuard; calls: string[] } {
  const calls: string[] = [];
  const judge: LmJudge = {
    name: "table", settings: {},
    judge: (turns) => {
      const key = turns.map((t) => t.content).join(" | ");
      calls.push(key);
      const [text, p] = (typeof replies === "function" ? replies(key) : replies[key]) ?? ["safe", 0.01];
      return Promise.resolve({ ...judgementOf(text, null), unsafe: p, from: "logprobs" as const });
    },
  };
  return { guard: { kind: "lm", settings: { ...LM_GUARD_DEFAULTS, model: "table", threshold }, judge, thresholds: GUARD_AREAS.map(() => threshold) }, calls };
}
