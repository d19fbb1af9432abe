// BPE training against an independent naive trainer (recount every pair after every merge), plus
// determinism, reserved specials and the CJK script-run rule visible in the learned vocabulary.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sharedPath } from "../util/paths.js";
import { utf8Encode } from "./bytes.js";
import { KOTODAMA_PATTERN, regexPreTokenizer } from "./pretokenize.js";
import { KOTODAMA_SPECIALS } from "./special.js";
import { trainBpe, trainBpeWithStats } from "./train.js";
import { Rng } from "../util/rng.js";

const dataDir = sharedPath("data");

function corpus(): string[] {
  if (dataDir === null) return syntheticCorpus();
  return [
    readFileSync(join(dataDir, "tinystories", "tinystories_val.txt"), "utf8").slice(0, 30000),
    readFileSync(join(dataDir, "aozora", "clean", "127_ruby_150.txt"), "utf8").slice(0, 10000),
  ];
}

/** Without ../shared: a seeded synthetic corpus with a Zipf-like vocabulary of English-like words and of
 *  Japanese-like words in kanji, hiragana and katakana runs, varied enough for 1,500 tokens. */
function syntheticCorpus(): string[] {
  const rng = new Rng(2024);
  const pick = (chars: string, n: number): string => Array.from({ length: n }, () => chars[rng.int(chars.length)]!).join("");
  const latin = "etaoinshrdlucmfwypvbgk";
  const kanji = "日本語猫名前無人時間年月大小山川田中学生先手気分上下国会社長見行来出入生子女男";
  const hira = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん";
  const kata = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモラリルレロン";
  const en = Array.from({ length: 400 }, () => pick(latin, 2 + rng.int(7)));
  const ja = Array.from({ length: 400 }, () => pick(kanji, 1 + rng.int(2)) + pick(hira, 1 + rng.int(3)) + (rng.next() < 0.3 ? pick(kata, 2 + rng.int(4)) : ""));
  const zipf = (words: string[]): string => words[Math.floor(words.length * rng.next() ** 3)]!;
  const english = Array.from({ length: 12000 }, (_, i) => zipf(en) + (i % 11 === 10 ? ". " : " ")).join("");
  const japanese = Array.from({ length: 12000 }, (_, i) => zipf(ja) + (i % 9 === 8 ? "。" : "")).join("");
  return [english, japanese];
}

/** The textbook algorithm: count every adjacent pair of every word, merge the most frequent (ties: smaller
 *  (left, right) ids), repeat. Returns merges as byte strings joined by "|". */
function naiveMerges(texts: string[], nMerges: number): string[] {
  const pre = regexPreTokenizer(KOTODAMA_PATTERN);
  const freq = new Map<string, number>();
  for (const t of texts) for (const p of pre.split(t)) freq.set(p, (freq.get(p) ?? 0) + 1);
  const words = [...freq].map(([p, f]) => ({ s: [...utf8Encode(p)], f }));
  const bytesOf: number[][] = [];
  for (let b = 0; b < 256; b++) bytesOf.push([b]);
  const idOf = new Map<string, number>(bytesOf.map((b, i) => [b.join(","), i]));
  const out: string[] = [];
  for (let m = 0; m < nMerges; m++) {
    const counts = new Map<number, number>();
    for (const w of words) for (let i = 0; i + 1 < w.s.length; i++) counts.set(w.s[i]! * 65536 + w.s[i + 1]!, (counts.get(w.s[i]! * 65536 + w.s[i + 1]!) ?? 0) + w.f);
    let best = -1;
    let bestC = 0;
    for (const [k, c] of counts) if (c > bestC || (c === bestC && k < best)) [best, bestC] = [k, c];
    if (bestC < 2) break;
    const a = Math.floor(best / 65536);
    const b = best % 65536;
    const bytes = [...bytesOf[a]!, ...bytesOf[b]!];
    let id = idOf.get(bytes.join(","));
    if (id === undefined) {
      id = bytesOf.length;
      bytesOf.push(bytes);
      idOf.set(bytes.join(","), id);
    }
    out.push(`${bytesOf[a]!.join(",")}|${bytesOf[b]!.join(",")}`);
    for (const w of words) {
      const s: number[] = [];
      for (let i = 0; i < w.s.length; i++) {
        if (i + 1 < w.s.length && w.s[i] === a && w.s[i + 1] === b) {
          s.push(id);
          i++;
        } else s.push(w.s[i]!);
      }
      w.s = s;
    }
  }
  return out;
}

test("trainBpe learns exactly the merges of the naive recount-every-merge trainer", () => {
  const texts = corpus();
  const nMerges = 300;
  const tok = trainBpe({ texts, vocabSize: 256 + nMerges + KOTODAMA_SPECIALS.length });
  const fast = tok.spec.merges.map(([a, b]) => `${[...tok.tokenBytes(tok.spec.vocab.indexOf(a))].join(",")}|${[...tok.tokenBytes(tok.spec.vocab.indexOf(b))].join(",")}`);
  const slow = naiveMerges(texts, nMerges);
  assert.equal(fast.length, nMerges);
  assert.deepEqual(fast, slow);
});

test("trainBpe is deterministic, reserves the special tokens and sizes the vocabulary exactly", () => {
  const texts = corpus();
  const a = trainBpeWithStats({ texts, vocabSize: 1000 });
  const b = trainBpe({ texts, vocabSize: 1000 });
  assert.deepEqual(a.tokenizer.spec.merges, b.spec.merges);
  assert.equal(a.tokenizer.vocabSize, 1000);
  assert.equal(a.stats.merges, 1000 - 256 - KOTODAMA_SPECIALS.length);
  const tok = a.tokenizer;
  assert.deepEqual(KOTODAMA_SPECIALS.map((s) => tok.tokenText(1000 - KOTODAMA_SPECIALS.length + KOTODAMA_SPECIALS.indexOf(s))), [...KOTODAMA_SPECIALS]);
  assert.equal(tok.special.bos, 993);
  assert.equal(tok.special.eos, 994);
  assert.equal(tok.special.pad, 995);
  const chat = "<|user|>hello<|end|><|assistant|>";
  assert.ok(tok.encode(chat, { addBos: false }).every((id) => id < 993), "plain text produced a special token");
  assert.deepEqual(tok.encode("<|user|>", { addBos: false, allowSpecial: true }), [997]);
  assert.equal(tok.encode("x")[0], 993, "BOS by default");
  assert.throws(() => trainBpe({ texts, vocabSize: 100 }), /vocabSize/);
});

test("kotodama pre-tokenizer: no learned token mixes kanji (llama.cpp's Han ranges) with kana or other letters", () => {
  const tok = trainBpe({ texts: corpus(), vocabSize: 1500 });
  const han = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/u;
  const otherLetter = /[^\P{L}\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/u;
  let cjk = 0;
  let mixedKana = 0;
  for (let id = 256; id < tok.vocabSize; id++) {
    const s = new TextDecoder().decode(tok.tokenBytes(id)).replaceAll("\ufffd", "");
    assert.ok(!(han.test(s) && otherLetter.test(s)), `token ${id} ${JSON.stringify(s)} mixes kanji with other letters`);
    if (han.test(s) || /\p{sc=Hiragana}|\p{sc=Katakana}/u.test(s)) cjk++;
    if (/\p{sc=Hiragana}/u.test(s) && /\p{sc=Katakana}/u.test(s)) mixedKana++;
  }
  // Hiragana and katakana may now share a token (llama.cpp's kimi-k2 rules); counted, not forbidden.
  assert.ok(mixedKana < cjk / 4, `${mixedKana} of ${cjk} Japanese tokens mix hiragana and katakana`);
  assert.ok(cjk > 50, `expected many Japanese tokens, got ${cjk}`);
});
