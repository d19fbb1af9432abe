// The backends that engine- and tensor-level tests (kernel and gradient checks, autograd) run on: ref always, native when the addon
// loads. Not here: the tests themselves, or backend selection for real runs (engine/backend.ts).

import type { Backend } from "./ops.js";
import { loadBackend } from "./backend.js";

export interface TestBackend {
  readonly name: string;
  /** null when unavailable; `why` then says why (for a visible t.skip). */
  readonly backend: Backend | null;
  readonly why: string;
}

/** ref and native (2 threads), both validated; native is null with a reason when the addon cannot load. */
export function testBackends(): TestBackend[] {
  const ref: TestBackend = { name: "ref", backend: loadBackend({ kind: "ref", threads: 1 }), why: "" };
  let native: TestBackend;
  try {
    native = { name: "native", backend: loadBackend({ kind: "native", threads: 2 }), why: "" };
  } catch (e) {
    native = { name: "native", backend: null, why: `native backend unavailable: ${e instanceof Error ? e.message : String(e)}` };
  }
  return [ref, native];
}
