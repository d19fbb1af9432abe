// Either guard behind one set of calls: the n-gram guard (guard-model.ts, synchronous, microseconds) or an LM guard
// (guard-lm-model.ts, a model or an endpoint, asynchronous): the input and output checks, and opening a guard
// directory by the format its guard.json names. Not here: either guard's scoring, the wrapper (guard-wrapper.ts).
import { isPlain } from "../data/schema.js";
import { checkInput, checkOutput, loadGuard, readGuardJson, type Guard, type InputCheck, type OutputCheck } from "./guard-model.js";
import { checkInputLm, checkOutputLm, loadLmGuard, LM_GUARD_FORMAT, type LmGuard, type OpenLmGuardOptions } from "./guard-lm-model.js";

export type AnyGuard = Guard | LmGuard;

export const isLmGuard = (g: AnyGuard): g is LmGuard => "kind" in g && g.kind === "lm";

/** The input check of either guard. */
export const inspectInput = async (g: AnyGuard, prompt: string): Promise<InputCheck> => (isLmGuard(g) ? checkInputLm(g, prompt) : checkInput(g, prompt));

/** The output check of either guard. */
export const inspectOutput = async (g: AnyGuard, prompt: string, response: string): Promise<OutputCheck> => (isLmGuard(g) ? checkOutputLm(g, prompt, response) : checkOutput(g, prompt, response));

/** What judges, for reports. */
export const guardName = (g: AnyGuard): string => (isLmGuard(g) ? `LM guard (${g.judge.name}, ${g.settings.format} format)` : "n-gram guard");

/** Opens DIR/guard.json of either kind (an LM guard opens its model or endpoint; `o.thread` puts a local guard model
 *  on a thread of its own). */
export function loadAnyGuard(dir: string, o: OpenLmGuardOptions = {}): AnyGuard {
  const raw = readGuardJson(dir, "; train one with 'kotodama safety guard train --out DIR' or make an LM guard with 'kotodama safety guard lm --out DIR'");
  return isPlain(raw) && raw.format === LM_GUARD_FORMAT ? loadLmGuard(dir, raw, o) : loadGuard(dir, raw);
}

/** Resolves once the guard can judge (a guard model on its own thread has loaded); rejects with its load error. */
export async function guardReady(g: AnyGuard): Promise<void> {
  if (isLmGuard(g)) await g.judge.ready?.();
}

/** Releases what the guard holds open (a guard model's thread). */
export async function closeGuard(g: AnyGuard): Promise<void> {
  if (isLmGuard(g)) await g.judge.close?.();
}
