// The native backend: the addon's kernels behind the Backend interface, with the pool's thread setting.
// Not here: loading the addon (addon.ts), the auto/ref fallback (../../backend.ts) or validation.

import { KotodamaError } from "../../../util/errors.js";
import type { Backend } from "../../ops.js";
import type { NativeAddon } from "./addon.js";

export { addonPath, loadAddon, type AddonLoad, type NativeAddon, type NativeIsa } from "./addon.js";

/** Largest thread count the addon's pool accepts. */
export const MAX_THREADS = 1024;

/** A native backend over a loaded addon. The thread setting belongs to the addon's process-wide pool, so
 *  setThreads on one native backend changes it for all of them (results stay bit-identical for any count). */
export function createNativeBackend(addon: NativeAddon): Backend {
  return {
    ...addon.kernels,
    name: "native",
    threads: () => addon.getThreads(),
    setThreads(n: number): void {
      if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
        throw new KotodamaError(`native.setThreads: threads must be an integer in [1, ${MAX_THREADS}], got ${n}`);
      }
      addon.setThreads(n);
    },
  };
}
