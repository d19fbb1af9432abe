// Prompt trimming: the sources kept are the best-ranked prefix that fits the context with the answer's room, the
// best one is cut (at the right code point, offsets following) when even it alone does not fit, and a question
// that leaves no room is an error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildGroundedPrompt, groundedMessages } from "./prompt.js";
import type { ChatMessage } from "./generator.js";

const chars = (m: readonly ChatMessage[]): number => m.reduce((s, x) => s + [...String(x.content)].length, 0);
const chunk = (id: string, text: string, score: number, start = 0): { docId: string; source: string; start: number; end: number; text: string; score: number } => ({ docId: id, source: `${id}.txt`, start, end: start + [...text].length, text, score });

test("trimming keeps the best sources that fit and leaves room for the answer", () => {
  const ranked = [chunk("a", "A".repeat(50), 9), chunk("b", "B".repeat(50), 8), chunk("c", "C".repeat(50), 7), chunk("d", "D", 6)];
  const overhead = chars(groundedMessages("Q?", [], "en"));
  const perSource = (t: string): number => [...`[1] ${t}\n`].length; // one more char per source line ("\n" joins)
  // Room for exactly two of the 50-char sources: the first two are kept, and the short fourth is NOT taken in
  // place of the third (the kept sources are a prefix of the ranking).
  const ctx = overhead + 2 * perSource("A".repeat(50)) + 10 + 5;
  const p = buildGroundedPrompt("Q?", ranked, { countTokens: chars, contextTokens: ctx, answerTokens: 10 }, "en");
  assert.deepEqual(p.sources.map((s) => s.docId), ["a", "b"]);
  assert.equal(p.dropped, 2);
  assert.ok(chars(p.messages) + 10 <= ctx);
  assert.match(String(p.messages[1]!.content), /\[1\] A{50}\n\[2\] B{50}\n\nQuestion: Q\?$/);
  // Everything fits: all four, numbered in rank order.
  const all = buildGroundedPrompt("Q?", ranked, { countTokens: chars, contextTokens: 10000, answerTokens: 10 }, "en");
  assert.deepEqual(all.sources.map((s) => [s.n, s.docId]), [[1, "a"], [2, "b"], [3, "c"], [4, "d"]]);
});

test("the best source is cut to fit when it alone is too long, with offsets on code points", () => {
  const text = "𠮷野家は牛丼の店である。東京に本店がある。";
  const ranked = [chunk("ja", text, 5, 100), chunk("other", "x", 4)];
  const overhead = chars(groundedMessages("本店は?", [{ n: 1, text: "" }], "ja"));
  const p = buildGroundedPrompt("本店は?", ranked, { countTokens: chars, contextTokens: overhead + 7 + 3, answerTokens: 3 }, "ja");
  assert.equal(p.sources.length, 1);
  const s = p.sources[0]!;
  assert.equal(s.truncated, true);
  assert.equal(s.text, "𠮷野家は牛丼の"); // 7 characters, the first of them two UTF-16 units
  assert.deepEqual([s.start, s.end], [100, 107]);
  assert.equal(p.dropped, 1);
  assert.throws(() => buildGroundedPrompt("本店は?", ranked, { countTokens: chars, contextTokens: overhead, answerTokens: 3 }, "ja"), /no room for a source/);
});
