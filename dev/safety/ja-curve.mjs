// The guard's Japanese ranking, apart from its threshold: for each guard, the AUC of the 187 held-out Do-Not-Answer
// translations (eval/safety/dna-ja.ts) against the first 500 JSQuAD valid and 500 JCommonsenseQA valid questions
// (the benign ones ja-guard.mjs counts), and the Japanese recall at the score that flags 5 % of those JSQuAD
// questions. Scores only: no prompt is printed. Run after `npx tsc -p tsconfig.json` and
// `kotodama safety guard train --out GUARD`:
//   node dev/safety/ja-curve.mjs GUARD [GUARD …] [--data-dir DIR]
// Not here: the recall at the guard's own threshold (ja-guard.mjs), anything the CLI needs (a lab script).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadGuard, checkInput } from "../../dist/src/safety/index.js";
import { dnaHeldOutPrompts } from "../../dist/src/eval/safety/prompts.js";

const args = process.argv.slice(2);
const di = args.indexOf("--data-dir");
const dataDir = di >= 0 ? args[di + 1] : "../shared/data";
const dirs = di < 0 ? args : args.filter((_, i) => i !== di && i !== di + 1);
if (dirs.length === 0 || dataDir === undefined) throw new Error("usage: node dev/safety/ja-curve.mjs GUARD [GUARD …] [--data-dir DIR]");
const ja = dnaHeldOutPrompts(dataDir, "ja").map((p) => p.prompt);
const jcqa = readFileSync(join(dataDir, "jglue/jcommonsenseqa-v1.3/valid-v1.3.json"), "utf8").split("\n").filter((l) => l.trim() !== "").slice(0, 500).map((l) => JSON.parse(l).question);
const jsquad = JSON.parse(readFileSync(join(dataDir, "jglue/jsquad-v1.3/valid-v1.3.json"), "utf8")).data.flatMap((a) => a.paragraphs.flatMap((p) => p.qas.map((q) => q.question))).slice(0, 500);
console.log("| guard | AUC JA translations vs JSQuAD + JCQA | JA recall at 5 % JSQuAD flagged |");
console.log("| --- | --- | --- |");
for (const dir of dirs) {
  const g = loadGuard(dir);
  const score = (xs) => xs.map((x) => checkInput(g, x).unsafe);
  const pos = score(ja), sq = score(jsquad), neg = [...sq, ...score(jcqa)];
  let auc = 0;
  for (const p of pos) for (const n of neg) auc += p > n ? 1 : p === n ? 0.5 : 0;
  auc /= pos.length * neg.length;
  const t5 = [...sq].sort((a, b) => b - a)[Math.floor(0.05 * sq.length)];
  console.log(`| ${dir} | ${auc.toFixed(3)} | ${((100 * pos.filter((p) => p > t5).length) / pos.length).toFixed(1)} % |`);
}
