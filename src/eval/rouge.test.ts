// ROUGE-L against hand-computed answers: Lin 2004's own example (police/gunman), precision ≠ recall, several
// references (the best counts), case and punctuation ignored, empty replies scoring 0.
import assert from "node:assert/strict";
import { test } from "node:test";
import { rougeL, rougeLMax, rougeWords } from "./rouge.js";

const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

test("words: lower case, punctuation dropped, inner apostrophes kept", () => {
  assert.deepEqual(rougeWords("Don't stop, Mr. Smith!  42 cats"), ["don't", "stop", "mr", "smith", "42", "cats"]);
  assert.deepEqual(rougeWords(" ... "), []);
});

test("Lin (2004), section 3.1: S2 scores 3/4 and S3 2/4 against 'police killed the gunman'", () => {
  const ref = "police killed the gunman";
  close(rougeL("police kill the gunman", ref), 0.75, "S2"); // LCS "police the gunman": P = R = 3/4
  close(rougeL("the gunman kill police", ref), 0.5, "S3"); // LCS "the gunman": P = R = 2/4
});

test("F1 of unequal lengths, case and punctuation, several references, empty text", () => {
  close(rougeL("a b c", "a b c d e f"), (2 * 1 * 0.5) / 1.5, "P = 1, R = 1/2"); // 2PR/(P+R) = 2/3
  close(rougeL("The cat sat on the mat.", "the cat was on the mat"), 5 / 6, "LCS 5 of 6 each way");
  close(rougeL("The CAT sat.", "the cat sat"), 1, "case and the full stop ignored");
  close(rougeL("d c b a", "a b c d"), 0.25, "reversed: LCS 1 of 4");
  close(rougeLMax("the gunman kill police", ["police killed the gunman", "the gunman kill police", "x"]), 1, "the matching reference wins");
  close(rougeLMax("police kill the gunman", ["the gunman", "police killed the gunman"]), 0.75, "max(2·(2/4·1)/(1.5)=2/3, 3/4)");
  close(rougeL("", "a b"), 0, "empty candidate");
  close(rougeL("!!!", "a b"), 0, "no words");
  close(rougeLMax("a", []), 0, "no references");
});
