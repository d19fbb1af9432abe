// Tests of copy-constrained decoding against its definition, with a byte-level BPE trained here and random logits
// standing in for a model: every decoded output is a contiguous span of one source (checked by string search, the
// independent reference), English spans start at a word, Japanese ones anywhere and never end inside a character,
// the reply may not end before it holds a letter or digit nor inside an English word, the greedy check (`allows`) agrees with the full mask
// token by token, and source() names a source that holds the span. Not here: rag ask --mode copy (rag.test.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { trainBpe } from "../tokenizer/index.js";
import { Rng } from "../util/rng.js";
import { copySpanConstraint, copySpanText } from "./copy-span.js";

const SOURCES = [
  "Mount Fuji is the highest mountain in Japan. It is 3776 metres high.",
  "富士山は日本一高い山で、標高は3776メートルである。「美しい」と言われる。",
  "Lake Biwa lies in Shiga; it is the largest lake.",
];
const tok = trainBpe({ texts: [SOURCES.join("\n").repeat(3), "The cat sat on the mat. 猫がいる。"], vocabSize: 400 });
const V = tok.vocabSize;
const END = V - 1; // any id outside the text tokens would do; the constraint is told it ends a reply
const endIds = new Set([END]);

/** Greedy decoding of random logits under the constraint, as generate does it: the hook masks, the argmax is taken. */
function decode(seed: number, maxTokens = 12): { ids: number[]; text: string; source: number | null } {
  const c = copySpanConstraint(tok, SOURCES, endIds);
  const rng = new Rng(seed);
  const ids: number[] = [];
  for (let step = 0; step < maxTokens; step++) {
    const logits = Float32Array.from({ length: V }, () => rng.next() * 4);
    logits[END] = step >= 3 ? 5 : -5; // the "model" wants to stop after a few tokens
    c.hooks.logits!(logits, ids);
    let best = 0;
    for (let i = 1; i < V; i++) if (logits[i]! > logits[best]!) best = i;
    assert.ok(Number.isFinite(logits[best]!), "some token is always allowed");
    if (best === END) break;
    ids.push(best);
  }
  return { ids, text: tok.decode(ids), source: c.source(ids) };
}

test("copy decoding: every output is a span of the source source() names; English spans start at a word", () => {
  let japanese = 0;
  for (let seed = 1; seed <= 60; seed++) {
    const { ids, text, source } = decode(seed);
    assert.ok(ids.length > 0, `seed ${seed}: the reply may not end before it holds a letter or digit`);
    assert.ok(source !== null && SOURCES[source]!.includes(text), `seed ${seed}: ${JSON.stringify(text)} is not a span of source ${source}`);
    assert.ok(/[\p{L}\p{N}]/u.test(text), `seed ${seed}: ${JSON.stringify(text)}`);
    assert.ok(!text.includes("\uFFFD"), `seed ${seed}: a character cut in the middle: ${JSON.stringify(text)}`);
    const at = SOURCES[source]!.indexOf(text);
    const end = at + text.length;
    if (source !== 1) {
      assert.ok(at === 0 || !/[A-Za-z0-9]/.test(SOURCES[source]![at - 1]!) || /^\s/.test(text), `seed ${seed}: ${JSON.stringify(text)} starts inside a word`);
      // It ended by the end token (not the limit) unless 12 tokens were written: then not inside a word.
      if (ids.length < 12) assert.ok(end === SOURCES[source]!.length || !/[A-Za-z0-9]/.test(text.at(-1)!) || !/[A-Za-z0-9]/.test(SOURCES[source]![end]!), `seed ${seed}: ${JSON.stringify(text)} ends inside a word`);
    }
    else japanese++;
  }
  assert.ok(japanese > 0, "some spans come from the Japanese source");
});

test("copy decoding: the greedy check (allows) agrees with the mask for every token, at the start and mid-span", () => {
  for (const seed of [3, 7, 11]) {
    const { ids } = decode(seed);
    for (const cut of [0, 1, Math.min(2, ids.length)]) {
      const prefix = ids.slice(0, cut);
      const masked = copySpanConstraint(tok, SOURCES, endIds), checked = copySpanConstraint(tok, SOURCES, endIds);
      const logits = new Float32Array(V);
      masked.hooks.logits!(logits, prefix);
      for (let id = 0; id < V; id++) assert.equal(checked.hooks.allows!(id, prefix), Number.isFinite(logits[id]!), `seed ${seed}, ${cut} tokens in, id ${id} (${JSON.stringify(tok.decode([id]))})`);
    }
  }
});

test("copy decoding: the end token waits for a letter or digit; text that is no span is refused", () => {
  const c = copySpanConstraint(tok, SOURCES, endIds);
  assert.equal(c.hooks.allows!(END, []), false, "nothing written yet");
  const lake = tok.encode("Lake Biwa", { addBos: false });
  assert.equal(c.hooks.allows!(END, lake), true);
  assert.equal(c.source(lake), 2);
  const d = copySpanConstraint(tok, SOURCES, endIds);
  const mat = tok.encode(" mat", { addBos: false });
  assert.equal(mat.every((id, i) => d.hooks.allows!(id, mat.slice(0, i))), false, "' mat' is in no source");
  assert.throws(() => copySpanConstraint(tok, [], endIds), /no source text to copy from/);
});

test("copy decoding: a reply cut inside a character drops the partial character (U+FFFD) at its end, nowhere else", () => {
  assert.equal(copySpanText("東京都\uFFFD"), "東京都");
  assert.equal(copySpanText("東京都\uFFFD\uFFFD"), "東京都");
  assert.equal(copySpanText("a\uFFFDb"), "a\uFFFDb");
  assert.equal(copySpanText("\uFFFD"), "");
});
