// Agreement of language ID with its script fast path against eld alone, on the shared corpora and the
// multilingual fixture (tests/fixtures/langid/multilingual.jsonl): share the fast path answers, agreement on the
// ja / en / other decision, the disagreements, and MB/s of both; then eld's agreement with itself at smaller
// sampleChars. Usage: node dev/data/langid-agreement.mjs [--list N] (after npx tsc).
import { readFileSync } from "node:fs";
import { loadCorpora, mb, timeIt } from "./corpora.mjs";
import { createLanguageIdentifier, LANGID_DEFAULTS } from "../../dist/src/data/langid.js";
import { scriptLanguage } from "../../dist/src/data/script.js";

const list = Number(process.argv[process.argv.indexOf("--list") + 1] ?? 0) || 10;
const corpora = await loadCorpora();
corpora.multilingual = readFileSync("tests/fixtures/langid/multilingual.jsonl", "utf8").trim().split("\n").map((l) => JSON.parse(l).text);
const eldOnly = await createLanguageIdentifier({ ...LANGID_DEFAULTS, fastPath: false });
const fast = await createLanguageIdentifier(LANGID_DEFAULTS);
const decision = (l) => (l === "ja" || l === "en" ? l : "other");
const rows = [];
for (const [name, docs] of Object.entries(corpora)) {
  let answered = 0;
  let agree = 0;
  let exact = 0;
  const dis = [];
  for (const t of docs) {
    const a = eldOnly.detect(t);
    const b = fast.detect(t);
    if (scriptLanguage(t.slice(0, 1000)) !== null) answered++;
    if (a === b) exact++;
    if (decision(a) === decision(b)) agree++;
    else dis.push(`eld=${a} fast=${b}: ${JSON.stringify(t.slice(0, 100))}`);
  }
  const m = mb(docs);
  rows.push({ source: name, docs: docs.length, fastShare: +(answered / docs.length).toFixed(3), sameLabel: +(exact / docs.length).toFixed(4), sameJaEnOther: +(agree / docs.length).toFixed(4), disagree: dis.length, eldMBps: +(m / timeIt(docs, (t) => eldOnly.detect(t))).toFixed(1), fastMBps: +(m / timeIt(docs, (t) => fast.detect(t))).toFixed(1) });
  for (const d of dis.slice(0, list)) console.log(`  ${name}: ${d}`);
}
console.table(rows);
// Smaller samples for eld alone: agreement of the ja/en/other decision with the default sample.
const sweep = [];
for (const n of [100, 250, 500]) {
  const small = await createLanguageIdentifier({ ...LANGID_DEFAULTS, fastPath: false, sampleChars: n });
  const r = { sampleChars: n };
  for (const [name, docs] of Object.entries(corpora)) {
    let agree = 0;
    for (const t of docs) if (decision(small.detect(t)) === decision(eldOnly.detect(t))) agree++;
    r[name] = +(agree / docs.length).toFixed(4);
  }
  sweep.push(r);
}
console.table(sweep);
