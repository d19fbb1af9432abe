// Loads the shared corpora (TinyStories, Aozora, nlp-corpus) as normalised documents per source, the way step 1
// of the pipeline sees them, for the data-stage speed and agreement scripts beside this one. Needs a build (dist/).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseConfig, sharedCorporaConfigJson } from "../../dist/src/data/config.js";
import { readFile, resolveFiles } from "../../dist/src/data/readers.js";
import { normalizeText } from "../../dist/src/data/normalize.js";

/** { source name → normalised document texts } */
export async function loadCorpora({ normalize = true } = {}) {
  const nlp = join(process.cwd(), "node_modules", "nlp-corpus", "builds");
  const cfg = parseConfig(sharedCorporaConfigJson(join(process.cwd(), "..", "shared", "data"), existsSync(nlp) ? nlp : null), "dev");
  const out = {};
  for (const src of cfg.sources) {
    const docs = (out[src.name] ??= []);
    for (const f of await resolveFiles(src.paths, "/", () => {})) {
      for await (const d of readFile(f, src, { baseDir: "/", maxDocChars: cfg.maxDocChars, onIssue: () => {} })) {
        const t = normalize ? normalizeText(d.text) : d.text;
        if (t !== "") docs.push(t);
      }
    }
  }
  return out;
}

export const mb = (docs) => docs.reduce((a, t) => a + Buffer.byteLength(t), 0) / 1e6;

/** CPU seconds (user + system) of fn over docs, best of `reps` passes: CPU time, not wall time, because the
 *  machine is shared and loaded (wall time would count the other jobs). */
export function timeIt(docs, fn, reps = 3) {
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    for (const d of docs) fn(d);
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1e6);
  }
  return best;
}
