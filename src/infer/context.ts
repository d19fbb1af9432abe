// How many positions a generate/score call may use: the model's context unless the caller asks for another;
// more than the model's is a warning for RoPE models (their files may state a converter default, see
// ../shared/reference/README.md) and an error for learned positions (no embedding rows past the context).
// Not here: the cache itself (kv-cache.ts).
import type { ModelConfig } from "../models/config.js";
import { KotodamaError } from "../util/errors.js";

export interface ContextPlan {
  readonly capacity: number;
  readonly warnings: readonly string[];
}

/** Positions a call uses by default when the model declares more (open-weight models declare 32k–128k, whose KV
 *  cache would take gigabytes for a short prompt): the cache is sized to the need, at least this, at most the
 *  model's context. --context N asks for any other size. */
export const DEFAULT_CONTEXT_CAP = 4096;

/** `needed` positions (prompt + tokens to generate) must fit `requested`, or by default the model's context
 *  capped at max(needed, DEFAULT_CONTEXT_CAP). */
export function resolveContext(config: ModelConfig, requested: number | null, needed: number, what: string): ContextPlan {
  const warnings: string[] = [];
  let capacity = Math.min(config.context, Math.max(needed, DEFAULT_CONTEXT_CAP));
  if (requested !== null) {
    if (requested > config.context) {
      if (config.pos === "learned") {
        throw new KotodamaError(`context ${requested} is longer than the model's context of ${config.context} (learned positions end there)`);
      }
      warnings.push(`context ${requested} is longer than the model's declared context of ${config.context}; quality past ${config.context} positions is untested`);
    }
    capacity = requested;
  }
  if (needed > capacity) {
    throw new KotodamaError(`${what} needs ${needed} positions, longer than the context of ${capacity}${config.pos === "rope" ? " (pass --context N to use more)" : ""}`);
  }
  return { capacity, warnings };
}
