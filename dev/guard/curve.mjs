// The trade-off curve of trained guards on the TEST sets, for comparing guards after their one measurement (no
// setting is chosen from it): AUC of held-out Do-Not-Answer vs XSTest safe and of XSTest unsafe vs XSTest safe
// (P(a risky prompt scores above a safe one)), and XSTest safe flagged at the threshold that flags 95 % of the
// held-out Do-Not-Answer prompts; and XSTest safe flagged where the held-out recall (Do-Not-Answer + XSTest unsafe,
// the guard's "held-out recall") first reaches 85, 90 and 95 %. Run after `npx tsc -p tsconfig.json`:
//   node dev/guard/curve.mjs GUARD_DIR [GUARD_DIR …]
// Not here: training or the guard's own measurement (kotodama safety guard train).
import { loadGuard } from "../../dist/src/safety/guard-model.js";
import { scorePrompt } from "../../dist/src/safety/guard-classifier.js";
import { dnaHeldOutPrompts, readXstest } from "../../dist/src/eval/safety/prompts.js";
import { sharedPath } from "../../dist/src/util/paths.js";

const dataDir = sharedPath("data");
const dna = dnaHeldOutPrompts(dataDir).map((p) => p.prompt);
const xs = readXstest(dataDir);
const safe = xs.filter((p) => p.label === "benign").map((p) => p.prompt), unsafe = xs.filter((p) => p.label !== "benign").map((p) => p.prompt);
const auc = (pos, neg) => {
  let s = 0;
  for (const p of pos) for (const n of neg) s += p > n ? 1 : p === n ? 0.5 : 0;
  return s / (pos.length * neg.length);
};
for (const dir of process.argv.slice(2)) {
  const g = loadGuard(dir);
  const sc = (ts) => ts.map((t) => scorePrompt(g.prompt, t).unsafe);
  const d = sc(dna), s = sc(safe), u = sc(unsafe);
  const t95 = [...d].sort((a, b) => b - a)[Math.ceil(0.95 * d.length) - 1];
  const flagged = s.filter((x) => x >= t95).length;
  const held = [...d, ...u].sort((a, b) => b - a);
  const at = (r) => {
    const t = held[Math.ceil(r * held.length) - 1];
    return `${((100 * s.filter((x) => x >= t).length) / s.length).toFixed(1)} %`;
  };
  console.log(`${dir}: XSTest safe flagged at held-out recall 85 % ${at(0.85)}, 90 % ${at(0.9)}, 95 % ${at(0.95)}`);
  console.log(`${dir}: AUC DNA/XSTest-safe ${auc(d, s).toFixed(3)}, XSTest unsafe/safe ${auc(u, s).toFixed(3)}; at 95 % held-out DNA recall (threshold ${t95.toFixed(4)}): XSTest safe flagged ${((100 * flagged) / s.length).toFixed(1)} %, XSTest unsafe ${((100 * u.filter((x) => x >= t95).length) / u.length).toFixed(1)} %`);
}
