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

/** `needed` positions (prompt + tokens to generate) must fit `requested ?? config.context`. */
export function resolveContext(config: ModelConfig, requested: number | null, needed: number, what: string): ContextPlan {
  const warnings: string[] = [];
  let capacity = config.context;
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
