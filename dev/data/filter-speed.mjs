// Quality rules, toxicity, boilerplate and the langid script fast path: the build before (another checkout's dist/) and this one on the same
// documents, verdicts compared one by one (every field) and CPU time per stage, best of 4 passes interleaved.
// Documents: the shared corpora, each also with words swapped/doubled/lines repeated (so the repetition, bullet,
// ellipsis and toxicity rules fire), plus random strings.
// Usage: node dev/data/filter-speed.mjs --before /work/main/dist [--reps 4] (after npx tsc). Exit 1 on any difference.
import { resolve } from "node:path";
import { loadCorpora, mb } from "./corpora.mjs";

const arg = (k, d) => (process.argv.includes(k) ? process.argv[process.argv.indexOf(k) + 1] : d);
const roots = { after: resolve("dist") };
if (arg("--before")) roots.before = resolve(arg("--before"));
const reps = +arg("--reps", "4");
const builds = {};
for (const [k, root] of Object.entries(roots)) {
  const m = async (f) => import(`${root}/src/data/${f}.js`);
  const [q, t, b, sc] = await Promise.all(["quality", "toxicity", "boilerplate", "script"].map(m));
  const tox = t.createToxicityMatcher(t.TOXICITY_DEFAULTS);
  const mask = t.createToxicityMatcher({ ...t.TOXICITY_DEFAULTS, mode: "mask", minRatio: 0.5 });
  const bp = b.createBoilerplateFilter(b.BOILERPLATE_DEFAULTS);
  builds[k] = {
    quality: (s) => q.judgeQuality(s),
    qualityGopher: (s) => q.judgeQuality(s, q.QUALITY_GOPHER),
    toxicity: (s) => tox.judge(s),
    toxMask: (s) => [mask.judge(s), mask.matches(s, 3), mask.spans(s)],
    boilerplate: (s) => bp.clean(s, "x"),
    script: (s) => sc.scriptLanguage(s.slice(0, 1000)),
  };
}
let seed = 12345;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const ALPH = ["a", "b", "the", " ", " ", "\n", "...", "…", "#", "- ", "1. ", "Ünï", "日本", "です。", "ひらがな", "fuck", "kill yourself", "'", "’", "\u00a0", "\u3000", "😀", "İ", "Σ", "ß", "\r", "\t", "DAMN", "shit head", "ﬁ", "、", "ア"];
const randomDoc = () => { let s = ""; const n = 1 + Math.floor(rnd() * 80); for (let i = 0; i < n; i++) s += ALPH[Math.floor(rnd() * ALPH.length)]; return s; };
const perturb = (s) => {
  const w = s.split(" ");
  const r = rnd();
  if (r < 0.25) return w.map((x) => (rnd() < 0.1 ? "fuck" : x)).join(" ");
  if (r < 0.5) return `${s}\n${s.split("\n")[0]}\n${s.split("\n")[0]}\n- item one here\n- item two here...`;
  if (r < 0.75) return w.flatMap((x) => (rnd() < 0.3 ? [x, x, x] : [x])).join(" ");
  return s.toUpperCase();
};
const raw = await loadCorpora();
const docs = [];
for (const list of Object.values(raw)) for (const d of list) { docs.push(d); if (rnd() < 0.3) docs.push(perturb(d)); }
for (let i = 0; i < 20000; i++) docs.push(randomDoc());
console.log(`${docs.length} documents, ${mb(docs).toFixed(1)} MB`);
let diffs = 0;
if (builds.before) {
  for (const stage of Object.keys(builds.after)) {
    let n = 0;
    for (const d of docs) {
      const a = JSON.stringify(builds.before[stage](d));
      const b = JSON.stringify(builds.after[stage](d));
      if (a !== b) { if (n++ < 3) console.log(`DIFF ${stage}: ${JSON.stringify(d).slice(0, 200)}\n  before ${a.slice(0, 300)}\n  after  ${b.slice(0, 300)}`); }
    }
    console.log(`${stage}: ${n} differences`);
    diffs += n;
  }
}
const size = mb(docs);
const rows = [];
for (const stage of ["quality", "toxicity", "boilerplate", "script"]) {
  const best = {};
  const order = Object.keys(builds);
  for (let r = 0; r < reps; r++) {
    for (const k of order) { const f = builds[k][stage]; const c0 = process.cpuUsage(); for (const d of docs) f(d); const c = process.cpuUsage(c0); best[k] = Math.min(best[k] ?? Infinity, (c.user + c.system) / 1e6); }
    order.reverse();
  }
  const row = { stage };
  for (const k of Object.keys(builds)) row[`${k} MB/s`] = +(size / best[k]).toFixed(1);
  if (best.before) row.speedup = +(best.before / best.after).toFixed(2);
  rows.push(row);
}
console.table(rows);
process.exit(diffs > 0 ? 1 : 0);
