// MB/s of the per-document stages this helper owns (normalize, langid, units, MinHash signature, PII) per
// shared corpus, one core, CPU time, best of 6 passes with the "before" and "after" builds interleaved pass by
// pass (the machine is shared: interleaving exposes both to the same load).
// Usage: node dev/data/stage-speed.mjs [--before DIST] (after npx tsc; DIST: another checkout's dist/, e.g.
// /work/main/dist built before these changes; without it only this build is measured).
import { resolve } from "node:path";
import { loadCorpora, mb } from "./corpora.mjs";

const at = process.argv.indexOf("--before");
const roots = { after: resolve("dist") };
if (at > 0) roots.before = resolve(process.argv[at + 1]);
const builds = {};
for (const [k, root] of Object.entries(roots)) {
  const m = async (f) => import(`${root}/src/data/${f}.js`);
  const [n, l, u, h, p] = await Promise.all(["normalize", "langid", "units", "minhash", "pii"].map(m));
  builds[k] = { normalize: (t) => n.normalizeText(t), langid: await l.createLanguageIdentifier(), units: u.unitHashes, mh: new h.MinHasher(h.MINHASH_DEFAULTS), pii: (t) => p.scrubPii(t) };
}
const cpu = (docs, fn) => {
  const c0 = process.cpuUsage();
  for (const d of docs) fn(d);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
};
const raw = await loadCorpora({ normalize: false });
const rows = [];
for (const [name, docsRaw] of Object.entries(raw)) {
  const docs = docsRaw.map((t) => builds.after.normalize(t)).filter((t) => t !== "");
  const units = docs.map((t) => builds.after.units(t));
  const m = mb(docs);
  const stages = {
    normalize: [docsRaw, (b) => b.normalize, mb(docsRaw)],
    langid: [docs, (b) => (t) => b.langid.detect(t), m],
    units: [docs, (b) => b.units, m],
    signature: [units, (b) => (u) => b.mh.signature(u), m],
    pii: [docs, (b) => b.pii, m],
  };
  for (const [stage, [input, get, size]] of Object.entries(stages)) {
    const best = {};
    const order = Object.entries(builds);
    for (let r = 0; r < 6; r++) {
      for (const [k, b] of order) best[k] = Math.min(best[k] ?? Infinity, cpu(input, get(b)));
      order.reverse(); // each build goes first in half of the passes
    }
    const row = { source: name, stage };
    for (const k of Object.keys(builds)) row[`${k} MB/s`] = +(size / best[k]).toFixed(1);
    if (best.before !== undefined) row.speedup = +(best.before / best.after).toFixed(2);
    rows.push(row);
  }
}
console.table(rows);
