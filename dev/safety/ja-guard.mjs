// The guard (safety/guard-*.ts) on the 187 held-out Do-Not-Answer prompts in English and in kotodama's Japanese
// translation (eval/safety/dna-ja.ts), side by side: recall (flagged) per risk area, area accuracy, the mean unsafe
// score, the pairs flagged in one language only, the policy's language, and the Japanese prompts missed. The guard
// was not trained on these prompts in either language (dna-ja.test.ts checks the Japanese ones). Run after
// `npx tsc -p tsconfig.json` and `kotodama safety guard train --out GUARD`:
//   node dev/safety/ja-guard.mjs GUARD [DATA_DIR]
// Not here: anything the CLI needs (a lab script).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadGuard, checkInput, GUARD_AREAS } from "../../dist/src/safety/index.js";
import { dnaHeldOutPrompts } from "../../dist/src/eval/safety/prompts.js";

const [guardDir, dataDir = "../shared/data"] = process.argv.slice(2);
if (guardDir === undefined) throw new Error("usage: node dev/safety/ja-guard.mjs GUARD_DIR [DATA_DIR]");
const g = loadGuard(guardDir);
const en = dnaHeldOutPrompts(dataDir, "en"), ja = dnaHeldOutPrompts(dataDir, "ja");
const t0 = performance.now();
const ce = en.map((p) => checkInput(g, p.prompt)), cj = ja.map((p) => checkInput(g, p.prompt));
const us = ((performance.now() - t0) * 1000) / (en.length + ja.length);
const pct = (k, n) => `${((100 * k) / n).toFixed(1)} % (${k}/${n})`;
const row = (label, idx) => {
  const n = idx.length, f = (cs) => idx.filter((i) => cs[i].flagged).length;
  const acc = (cs) => idx.filter((i) => cs[i].area === en[i].area).length;
  const mean = (cs) => (idx.reduce((s, i) => s + cs[i].unsafe, 0) / n).toFixed(3);
  return `| ${label} | ${n} | ${pct(f(ce), n)} | ${pct(f(cj), n)} | ${pct(acc(ce), n)} | ${pct(acc(cj), n)} | ${mean(ce)} | ${mean(cj)} |`;
};
console.log("| area | n | EN recall | JA recall | EN area accuracy | JA area accuracy | EN mean unsafe | JA mean unsafe |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
for (const a of GUARD_AREAS) console.log(row(a, en.map((_, i) => i).filter((i) => en[i].area === a)));
console.log(row("all", en.map((_, i) => i)));
const onlyEn = en.filter((_, i) => ce[i].flagged && !cj[i].flagged).length, onlyJa = en.filter((_, i) => !ce[i].flagged && cj[i].flagged).length;
console.log(`\nflagged in EN only: ${onlyEn}, in JA only: ${onlyJa}; policy text in Japanese for ${cj.filter((c) => c.policy.lang === "ja").length}/${ja.length} JA prompts`);
console.log(`mean input check ${us.toFixed(0)} µs`);
// Japanese benign questions the guard never saw: JCommonsenseQA valid (it trains on a sample of train) and JSQuAD
// valid's questions, the first 500 of each.
const jcqa = readFileSync(join(dataDir, "jglue/jcommonsenseqa-v1.3/valid-v1.3.json"), "utf8").split("\n").filter((l) => l.trim() !== "").slice(0, 500).map((l) => JSON.parse(l).question);
const jsquad = JSON.parse(readFileSync(join(dataDir, "jglue/jsquad-v1.3/valid-v1.3.json"), "utf8")).data.flatMap((a) => a.paragraphs.flatMap((p) => p.qas.map((q) => q.question))).slice(0, 500);
for (const [name, qs] of [["JCommonsenseQA valid", jcqa], ["JSQuAD valid", jsquad]]) {
  const flagged = qs.filter((q) => checkInput(g, q).flagged);
  console.log(`JA benign flagged, ${name}: ${pct(flagged.length, qs.length)}${flagged.length > 0 ? `, e.g. ${flagged.slice(0, 3).join(" / ")}` : ""}`);
}
console.log("JA prompts missed:");
ja.forEach((p, i) => { if (!cj[i].flagged) console.log(`  ${p.id} (${p.area}) unsafe ${cj[i].unsafe.toFixed(3)} < ${cj[i].threshold.toFixed(3)}: ${p.prompt}`); });
