// A guard built by hand for tests: all weights zero, so every prompt scores 12/13 unsafe (the gate's 13 classes
// tie; "unsafe" is the 12 harm classes' share) in one area, and every response 0.5 harmful; one threshold for all
// areas. Whether it flags is set by the threshold alone, which makes routes, policies and wrappers testable without
// training. Not a guard to use.
import { GUARD_DEFAULTS, type Guard } from "./guard-model.js";
import { NGRAM_BUCKETS } from "./ngram-logreg.js";
import { GUARD_CLASSES } from "./guard-taxonomy.js";

export function zeroGuard(threshold = 0.5, outputThreshold = GUARD_DEFAULTS.outputThreshold): Guard {
  return {
    settings: { ...GUARD_DEFAULTS, outputThreshold, stages: 1 },
    prompt: { features: "word12+char24", gate: { classes: GUARD_CLASSES, weight: new Float32Array(NGRAM_BUCKETS * GUARD_CLASSES), bias: new Float32Array(GUARD_CLASSES) }, harm: null },
    response: { classes: 2, weight: new Float32Array(NGRAM_BUCKETS * 2), bias: new Float32Array(2) },
    thresholds: [threshold, threshold, threshold, threshold, threshold],
  };
}
