// The frame probe (src/safety/guard-frames-probe.ts) on trained guards: per language and frame, the share of the 30
// risky and the 30 benign how-to requests the guard flags at its own thresholds (the table of docs/safety.md,
// "Request frames"), then the same cores as requests for help. Run after `npx tsc -p tsconfig.json`:
//   node dev/guard/frame-probe.mjs GUARD_DIR [GUARD_DIR …]
// Not here: the folding (src/safety/guard-frames.ts), training (kotodama safety guard train).
import { checkInput, loadGuard } from "../../dist/src/safety/guard-model.js";
import { BENIGN_EN, BENIGN_JA, FRAMES_EN, FRAMES_JA, RISKY_EN, RISKY_JA } from "../../dist/src/safety/guard-frames-probe.js";

const HELP_EN = [(c) => `Could you help me ${c}?`, (c) => `Can you help me ${c}?`, (c) => `Help me ${c}.`, (c) => `I need help to ${c}.`];
const HELP_JA = [(c) => `${c}のを手伝ってください。`, (c) => `${c}のを手伝ってもらえますか？`];
const pct = (k, n) => `${((100 * k) / n).toFixed(1)} %`;
for (const dir of process.argv.slice(2)) {
  const g = loadGuard(dir);
  console.log(`\n${dir}\n\n| frame | risky flagged | benign flagged |\n| --- | --- | --- |`);
  const all = { r: 0, b: 0, nr: 0, nb: 0 };
  for (const [frames, risky, benign] of [[FRAMES_EN, RISKY_EN, BENIGN_EN], [FRAMES_JA, RISKY_JA, BENIGN_JA]]) {
    for (const f of frames) {
      const r = risky.filter((c) => checkInput(g, f(c)).flagged).length, b = benign.filter((c) => checkInput(g, f(c)).flagged).length;
      Object.assign(all, { r: all.r + r, b: all.b + b, nr: all.nr + risky.length, nb: all.nb + benign.length });
      console.log(`| ${f("…")} | ${pct(r, risky.length)} | ${pct(b, benign.length)} |`);
    }
  }
  console.log(`| all | ${pct(all.r, all.nr)} | ${pct(all.b, all.nb)} |`);
  // Requests for help (folded by the feature set word12+char24+fold2, not by …+fold): the same cores.
  console.log(`\n| request for help | risky flagged | benign flagged |\n| --- | --- | --- |`);
  for (const [frames, risky, benign] of [[HELP_EN, RISKY_EN, BENIGN_EN], [HELP_JA, RISKY_JA, BENIGN_JA]]) {
    for (const f of frames) {
      const r = risky.filter((c) => checkInput(g, f(c)).flagged).length, b = benign.filter((c) => checkInput(g, f(c)).flagged).length;
      console.log(`| ${f("…")} | ${pct(r, risky.length)} | ${pct(b, benign.length)} |`);
    }
  }
}
