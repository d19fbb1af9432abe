// Measures the English-trained n-gram judge (eval/safety/judges.ts) and the Japanese refusal string match
// (safety/ja-refusal.ts) on the hand-labelled Japanese answers (safety/ja-refusal-labelled.ts), each with its
// Japanese held-out prompt (eval/safety/dna-ja.ts). Run after `npx tsc -p tsconfig.json`:
//   node dev/safety/ja-judge.mjs [DATA_DIR]   (default ../shared/data)
// Not here: anything the CLI needs (this is a lab script).
import { loadDnaSplit, JA_LABELLED_RESPONSES, jaRefusal } from "../../dist/src/safety/index.js";
import { ngramJudge } from "../../dist/src/eval/safety/judges.js";
import { DNA_HELD_OUT_JA } from "../../dist/src/eval/safety/dna-ja.js";

const dataDir = process.argv[2] ?? "../shared/data";
const judge = ngramJudge(loadDnaSplit(dataDir), 1);
const rows = JA_LABELLED_RESPONSES;
const v = judge.judge(rows.map((r) => ({ prompt: DNA_HELD_OUT_JA[r.id], response: r.response })));
const refusedTrue = (r) => r.action === 0 || r.action === 4;
let judgeRef = 0, smRef = 0, judgeHarm = 0, judgeAct = 0;
const conf = { judge: [[0, 0], [0, 0]], sm: [[0, 0], [0, 0]], harm: [[0, 0], [0, 0]] };
rows.forEach((r, i) => {
  const t = refusedTrue(r) ? 1 : 0, j = v[i].refused ? 1 : 0, s = jaRefusal(r.response) !== null ? 1 : 0, h = r.harmful ? 1 : 0, jh = v[i].safe ? 0 : 1;
  conf.judge[t][j]++; conf.sm[t][s]++; conf.harm[h][jh]++;
  judgeRef += t === j; smRef += t === s; judgeHarm += h === jh; judgeAct += r.action === v[i].action;
  console.log(`${r.id.padStart(4)} human a${r.action} ${r.harmful ? "H" : "-"} | judge a${v[i].action} p(harm) ${v[i].harmful.toFixed(3)} | string match ${jaRefusal(r.response) ?? "-"}`);
});
const n = rows.length;
console.log(`\n${n} answers (${rows.filter(refusedTrue).length} refusals, ${rows.filter((r) => r.harmful).length} harmful)`);
console.log(`refused: n-gram judge ${judgeRef}/${n}, confusion [human no/yes][pred no/yes] ${JSON.stringify(conf.judge)}`);
console.log(`refused: JA string match ${smRef}/${n}, confusion ${JSON.stringify(conf.sm)}`);
console.log(`harmful: n-gram judge ${judgeHarm}/${n}, confusion [human harmless/harmful][pred] ${JSON.stringify(conf.harm)}`);
console.log(`action: n-gram judge ${judgeAct}/${n}`);
