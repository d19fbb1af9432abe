// MB/s of the per-document stages this helper owns (normalize, langid, units, MinHash signature, PII) per
// shared corpus, best of 3 passes, one core. Usage: node dev/data/stage-speed.mjs (after npx tsc).
import { loadCorpora, mb, timeIt } from "./corpora.mjs";
import { normalizeText } from "../../dist/src/data/normalize.js";
import { createLanguageIdentifier } from "../../dist/src/data/langid.js";
import { unitHashes } from "../../dist/src/data/units.js";
import { MinHasher, MINHASH_DEFAULTS } from "../../dist/src/data/minhash.js";
import { scrubPii } from "../../dist/src/data/pii.js";

const raw = await loadCorpora({ normalize: false });
const lid = await createLanguageIdentifier();
const mh = new MinHasher(MINHASH_DEFAULTS);
const rows = [];
for (const [name, docsRaw] of Object.entries(raw)) {
  const docs = docsRaw.map((t) => normalizeText(t)).filter((t) => t !== "");
  const units = docs.map((t) => unitHashes(t));
  const m = mb(docs);
  const r = { source: name, docs: docs.length, MB: +m.toFixed(2) };
  r.normalize = +(mb(docsRaw) / timeIt(docsRaw, (t) => normalizeText(t))).toFixed(1);
  r.langid = +(m / timeIt(docs, (t) => lid.detect(t))).toFixed(1);
  r.units = +(m / timeIt(docs, (t) => unitHashes(t))).toFixed(1);
  let i = 0;
  r.signature = +(m / timeIt(units, (u) => (mh.signature(u), i++))).toFixed(1);
  r.pii = +(m / timeIt(docs, (t) => scrubPii(t))).toFixed(1);
  rows.push(r);
}
console.table(rows);
