// Summarization: structure (sentences, headings, line numbers, chunks within budget), content terms (known
// answers), attribution (the sentences a summary sentence was copied from; a fabricated one unsupported), the
// map-reduce with a scripted model (levels, citations that the independent check accepts, strict mode), and the
// independent check catching tampered citations.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ChatMessage, Generator } from "../../rag/generator.js";
import { AttributionIndex } from "./attribute.js";
import { documentSentences, packChunks } from "./structure.js";
import { SUMMARIZE_DEFAULTS, summarizeDocument } from "./summarize.js";
import { contentTerms } from "./terms.js";
import { checkCitations, contentWords } from "./verify.js";

const DOC = [
  "# Admission",
  "",
  "The patient arrived with a fever. She reported a cough for three days.",
  "",
  "Treatment",
  "",
  "Doctors gave her antibiotics. The fever fell after two days.",
  "She went home on Friday.",
].join("\n");

test("documentSentences: headings, sentences, offsets and line numbers", () => {
  const s = documentSentences(DOC);
  assert.deepEqual(s.map((x) => DOC.slice(x.start, x.end)), ["# Admission", "The patient arrived with a fever.", "She reported a cough for three days.", "Treatment", "Doctors gave her antibiotics.", "The fever fell after two days.", "She went home on Friday."]);
  assert.deepEqual(s.map((x) => x.heading), [true, false, false, true, false, false, false]);
  assert.deepEqual(s.map((x) => x.section), [0, 0, 0, 1, 1, 1, 1]);
  assert.deepEqual(s.map((x) => x.line), [1, 3, 3, 5, 7, 7, 8]);
  const ja = "第一章\n\n下人は雨やみを待っていた。門の下には誰もいない。\n";
  assert.deepEqual(documentSentences(ja).map((x) => [ja.slice(x.start, x.end), x.heading, x.line]), [["第一章", true, 1], ["下人は雨やみを待っていた。", false, 3], ["門の下には誰もいない。", false, 3]]);
});

test("packChunks: within budget, a new chunk at a heading once half full, an oversized sentence alone", () => {
  const s = documentSentences(DOC);
  const len = (i: number): number => s[i]!.end - s[i]!.start;
  const chunks = packChunks(s, len, 80);
  for (const c of chunks) {
    let t = 0;
    for (let i = c.first; i <= c.last; i++) t += len(i);
    assert.ok(t <= 80 || c.first === c.last, JSON.stringify(c));
  }
  // Contiguous cover of all sentences, in order.
  assert.equal(chunks[0]!.first, 0);
  for (let k = 1; k < chunks.length; k++) assert.equal(chunks[k]!.first, chunks[k - 1]!.last + 1);
  assert.equal(chunks[chunks.length - 1]!.last, s.length - 1);
  // "Treatment" (index 3) starts a chunk: the first chunk (11 + 33 + 36 = 80 chars) is more than half full.
  assert.ok(chunks.some((c) => c.first === 3), JSON.stringify(chunks));
  assert.deepEqual(packChunks(s, () => 500, 100).map((c) => [c.first, c.last]), s.map((_, i) => [i, i]));
});

test("contentTerms: kanji/katakana bigrams and content words (known answers)", () => {
  assert.deepEqual(contentTerms("下人が羅生門の下で雨やみを待っていた。"), ["下人", "羅生", "生門", "下", "雨", "待"]);
  assert.deepEqual(contentTerms("The cats were running in the Park, aren't they?"), ["cat", "running", "park", "aren't", "they"].filter((w) => w !== "they"));
  assert.deepEqual(contentTerms("コーヒーを飲んだ"), ["コー", "ーヒ", "ヒー", "飲"]);
});

test("attribution: copied sentences are cited exactly; a fabricated sentence is unsupported", () => {
  const s = documentSentences(DOC);
  const idx = new AttributionIndex(DOC, s);
  const a = idx.attribute("The patient had a fever and went home on Friday.");
  assert.deepEqual(a.sentences, [1, 6]);
  assert.ok(a.supported && a.coverage > 0.9, JSON.stringify(a));
  assert.deepEqual(a.spans.map((sp) => DOC.slice(sp.start, sp.end)), ["The patient arrived with a fever.", "She went home on Friday."]);
  // Adjacent chosen sentences merge into one span.
  const b = idx.attribute("Antibiotics were given and the fever fell.");
  assert.deepEqual(b.spans.map((sp) => [DOC.slice(sp.start, sp.end), sp.line, sp.endLine]), [["Doctors gave her antibiotics. The fever fell after two days.", 7, 7]]);
  const f = idx.attribute("Surgeons replaced the kidney with titanium.");
  assert.equal(f.supported, false);
});

/** A scripted chat model: counts tokens as characters / 4, answers a map prompt with the passage's first two
 *  sentences and a combine prompt with the first sentence of each of its first two parts; `fabricate` appends a
 *  made-up sentence to the final summary. */
function scripted(contextTokens: number, fabricate = false): Generator & { calls: string[] } {
  const calls: string[] = [];
  const firstSentences = (t: string, n: number): string[] => t.split(/(?<=\.)\s+|\n/u).map((x) => x.trim()).filter((x) => x.endsWith(".")).slice(0, n);
  return {
    calls,
    contextTokens,
    countTokens: (m: readonly ChatMessage[]) => Math.ceil(m.map((x) => String(x.content)).join("").length / 4) + 4,
    async complete(m: readonly ChatMessage[]) {
      const content = String(m[0]!.content);
      const [instruction, ...rest] = content.split("\n\n");
      const body = rest.join("\n\n");
      calls.push(instruction!.startsWith("Summarize") ? "map" : instruction!.includes("whole document") ? "final" : "reduce");
      if (instruction!.startsWith("Summarize")) return firstSentences(body, 2).join(" ");
      const parts = body.split("\n\n").map((p) => firstSentences(p, 1)[0] ?? "");
      const out = parts.slice(0, 2).join(" ");
      return fabricate && calls[calls.length - 1] === "final" ? `${out} The moon landing happened in Osaka.` : out;
    },
  };
}

const SMALL = { ...SUMMARIZE_DEFAULTS, language: "en" as const, partTokens: 30, finalTokens: 40 };

const PORTS = ["Kobe", "Yokohama", "Nagasaki", "Hakodate", "Niigata", "Sakai", "Shimoda", "Naha", "Otaru", "Moji", "Kure", "Toba"];
const LONG = Array.from({ length: 12 }, (_, k) => `Section ${k + 1}\n\nThe ship number ${k + 1} reached ${PORTS[k]}. Its crew unloaded cargo ${k + 1}. Nothing else happened.`).join("\n\n");

test("summarizeDocument: map-reduce over levels; every citation passes the independent check", async () => {
  const model = scripted(120);
  const r = await summarizeDocument(LONG, model, { ...SMALL, sentences: 3 });
  assert.ok(r.chunks >= 4, `chunks ${r.chunks}`);
  assert.ok(r.levels >= 2, `levels ${r.levels}`);
  assert.equal(r.calls, model.calls.length);
  assert.equal(model.calls.filter((c) => c === "final").length, 1);
  assert.ok(r.sentences.length >= 1 && r.sentences.length <= 3);
  // The script copies source sentences: each summary sentence cites the sentence it is.
  for (const s of r.sentences) {
    assert.ok(s.supported, JSON.stringify(s));
    assert.ok(s.citations.some((c) => c.text.includes(s.text)), JSON.stringify(s));
  }
  const check = checkCitations(LONG, r.sentences);
  assert.deepEqual([check.exists, check.overlapping, check.sentencesValid], [check.total, check.total, check.sentences], JSON.stringify(check));
  assert.ok(r.chunksCited >= 1 && r.chunksCited <= r.chunks);
});

test("summarizeDocument: a fabricated sentence is marked unsupported, and strict mode drops it", async () => {
  const loose = await summarizeDocument(LONG, scripted(120, true), { ...SMALL, sentences: 5 });
  const moon = loose.sentences.find((s) => s.text.includes("moon"));
  assert.ok(moon !== undefined && !moon.supported, JSON.stringify(loose.sentences));
  const strict = await summarizeDocument(LONG, scripted(120, true), { ...SMALL, sentences: 5, strict: true });
  assert.equal(strict.dropped, 1);
  assert.ok(strict.sentences.every((s) => s.supported && !s.text.includes("moon")));
});

test("summarizeDocument: extractive mode returns source sentences with exact citations; a tiny context is refused", async () => {
  const r = await summarizeDocument(LONG, null, { ...SUMMARIZE_DEFAULTS, sentences: 4, extractiveChunkChars: 200 });
  assert.equal(r.calls, 0);
  assert.equal(r.sentences.length, 4);
  for (const s of r.sentences) assert.ok(LONG.includes(s.text) && s.citations[0]!.text === s.text, JSON.stringify(s));
  assert.equal(checkCitations(LONG, r.sentences).sentencesValid, 4);
  await assert.rejects(summarizeDocument(LONG, scripted(60), SUMMARIZE_DEFAULTS), /context leaves .* tokens for a chunk/);
});

test("checkCitations: catches a shifted span, a wrong line and a span sharing no content word", () => {
  const s = documentSentences(DOC);
  const good = { start: s[1]!.start, end: s[1]!.end, line: 3, endLine: 3, text: DOC.slice(s[1]!.start, s[1]!.end) };
  const ok = checkCitations(DOC, [{ text: "A fever at arrival.", citations: [good], coverage: 1, supported: true }]);
  assert.deepEqual([ok.exists, ok.overlapping, ok.sentencesValid], [1, 1, 1]);
  const shifted = checkCitations(DOC, [{ text: "A fever at arrival.", citations: [{ ...good, start: good.start + 1 }], coverage: 1, supported: true }]);
  assert.equal(shifted.exists, 0);
  const wrongLine = checkCitations(DOC, [{ text: "A fever at arrival.", citations: [{ ...good, line: 4, endLine: 4 }], coverage: 1, supported: true }]);
  assert.equal(wrongLine.exists, 0);
  const unrelated = checkCitations(DOC, [{ text: "Titanium kidneys.", citations: [good], coverage: 1, supported: true }]);
  assert.deepEqual([unrelated.exists, unrelated.overlapping, unrelated.sentencesValid], [1, 0, 0]);
  // ICU splits 下人 and keeps 待った whole; particles (は, で, を) are dropped.
  assert.deepEqual([...contentWords("下人は羅生門で雨を待った")].sort(), ["下", "人", "待った", "羅生門", "雨"].sort());
});
