import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createToxicityMatcher, TOXICITY_DEFAULTS, type ToxicityMatcher } from "./toxicity.js";
import { readLabelledTexts } from "./labelled.js";
import { normalizeText } from "./normalize.js";
import { parseConfig } from "./config.js";
import { packageRoot } from "../util/paths.js";
import { Rng } from "../util/rng.js";

const m = createToxicityMatcher();

test("toxic English and Japanese text is removed", () => {
  const en = m.judge("You are a fucking idiot and a piece of shit.");
  assert.equal(en.keep, false);
  assert.equal(en.hits, 2);
  assert.deepEqual(m.matches("You are a fucking idiot and a piece of shit.", 5), ["fucking", "piece of shit"]);
  const ja = m.judge("このレイプ動画とポルノの宣伝です。");
  assert.equal(ja.keep, false);
  assert.deepEqual(m.matches("このレイプ動画とポルノの宣伝です。", 5).sort(), ["ポルノ", "レイプ"]);
  // Multi-word entries match as whole phrases.
  assert.equal(m.judge("He showed me two girls one cup yesterday.").keep, false);
});

test("clean text, whole-word matching and the allow-list keep ordinary prose", () => {
  assert.equal(m.hits("Once upon a time, there was a little girl named Lily who loved her cat."), 0);
  // No substring matches inside English words (Scunthorpe problem): "class", "assume", "cocktail".
  assert.equal(m.hits("The class will assume the cocktail party starts at Scunthorpe station."), 0);
  // Allow-listed everyday Japanese words: 嫌い (dislike), 女の子 (girl), カント (Kant).
  assert.equal(m.hits("女の子はカントの本が嫌いでした。"), 0);
  assert.ok(createToxicityMatcher({ ...TOXICITY_DEFAULTS, allow: [] }).hits("女の子はカントの本が嫌いでした。") >= 3);
});

test("density threshold: one hit in a long document is kept, in a short one it is dropped", () => {
  const long = `${"The children played in the garden and laughed all afternoon long. ".repeat(10)}Then someone said shit.`;
  assert.equal(m.judge(long).hits, 1);
  assert.equal(m.judge(long).keep, true);
  assert.equal(m.judge("Then someone said shit.").keep, false);
  const strict = createToxicityMatcher({ ...TOXICITY_DEFAULTS, minRatio: 0 });
  assert.equal(strict.judge(long).keep, false);
});

test("labelled profane/clean set (tests/fixtures/data/profanity.jsonl): the merged lists find every profane text", () => {
  const set = readLabelledTexts(join(packageRoot(), "tests", "fixtures", "data", "profanity.jsonl"), "label").map((r) => ({ ...r, text: normalizeText(r.text) }));
  const profane = set.filter((r) => r.label === "profane");
  const clean = set.filter((r) => r.label === "clean");
  assert.equal(profane.length, 20);
  assert.equal(clean.length, 20);
  const found = (mm: ToxicityMatcher, rs: typeof set): number => rs.filter((r) => mm.hits(r.text) > 0).length;
  // naughty-words alone (the lists before): 8 of 20; with @2toad/profanity and the multi-word insults: 20.
  assert.equal(found(createToxicityMatcher({ ...TOXICITY_DEFAULTS, lists: ["en", "ja"] }), profane), 8);
  assert.equal(found(m, profane), 20);
  // One false positive, a name: "Dick Whittington".
  assert.deepEqual(clean.filter((r) => m.hits(r.text) > 0).map((r) => m.matches(r.text, 3)), [["dick"]]);
  // Everyday words of the added list stay allowed: balls, pawn, bloody; "die his hair" is not "go die".
  assert.equal(m.hits("Tom kicked the balls and moved his pawn on a bloody cold day; Sam wanted to die his hair."), 0);
});

test("multi-word insults match whole phrases, in both apostrophe forms, and not inside other words", () => {
  assert.deepEqual(m.matches("Go kill yourself. You\u2019re pathetic, a waste of space.", 5), ["go kill yourself", "you re pathetic", "waste of space"]);
  assert.deepEqual(m.matches("The skill yourself can learn is patience; the waste of spaces is sad.", 5), []);
});

test("mask mode: hits under the thresholds are replaced by the placeholder; over them the document is still dropped", () => {
  const mask = createToxicityMatcher({ ...TOXICITY_DEFAULTS, mode: "mask" });
  const long = `${"The children played in the garden and laughed all afternoon long. ".repeat(10)}Then someone said shit, you dumb ass.`;
  const v = mask.judge(long);
  assert.equal(v.keep, true);
  assert.equal(v.hits, 2);
  assert.equal(v.text, `${"The children played in the garden and laughed all afternoon long. ".repeat(10)}Then someone said [PROFANITY], you [PROFANITY].`);
  assert.equal(m.judge(long).text, long); // drop mode keeps it unchanged
  const short = mask.judge("Shut the fuck up, you dumbass.");
  assert.equal(short.keep, false);
  // Japanese substrings are masked too, and a custom placeholder is used.
  const ja = createToxicityMatcher({ ...TOXICITY_DEFAULTS, mode: "mask", placeholder: "＊", minRatio: 1 }).judge("この動画はポルノです。");
  assert.equal(ja.text, "この動画は＊です。");
  assert.deepEqual(mask.spans("a fucking idiot"), [[2, 9]]);
});

test("config: toxicity.mode and boilerplate.rules are checked, naming the key", () => {
  assert.throws(() => parseConfig({ sources: [{ name: "a", paths: ["x"] }], toxicity: { mode: "censor" } }, "c.json"), /c\.json: 'toxicity\.mode' must be "drop" or "mask", got "censor"/);
  assert.throws(() => parseConfig({ sources: [{ name: "a", paths: ["x"] }], boilerplate: { rules: ["cookies"] } }, "c.json"), /c\.json: 'boilerplate\.rules' entries must be among nav-menu, cookie/);
  assert.throws(() => parseConfig({ sources: [{ name: "a", paths: ["x"] }], boilerplate: { webSource: ["a"] } }, "c.json"), /'boilerplate\.webSource' is not a known key/);
  const cfg = parseConfig({ sources: [{ name: "a", paths: ["x"] }], toxicity: { mode: "mask" }, boilerplate: { webSources: ["a"] } }, "c.json");
  assert.equal(cfg.toxicity.mode, "mask");
  assert.deepEqual(cfg.boilerplate.webSources, ["a"]);
});

// The in-place token scan against the matcher as first written: tokens from /[\p{L}\p{N}']+/gu, lowercased, the
// longest entry at each token, on random text (ASCII and not, astral letters, apostrophes, entries split by
// punctuation).
test("fuzz: hits and spans equal the matchAll reference", () => {
  const extra = ["bad word", "bad", "Ünïcode", "kill yourself", "you're stupid", "𝒜bc", "ǅemal", "straße"];
  const tm = createToxicityMatcher({ ...TOXICITY_DEFAULTS, lists: [], allow: [], extra, minRatio: 0 });
  const phrases = new Set(extra.map((e) => (e.normalize("NFKC").toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? []).join(" ")));
  const starts = new Set([...phrases].filter((p) => p.includes(" ")).map((p) => p.split(" ")[0]!));
  const ref = (text: string): [number, number][] => {
    const toks = [...text.matchAll(/[\p{L}\p{N}']+/gu)];
    const w = toks.map((x) => x[0].toLowerCase());
    const out: [number, number][] = [];
    for (let i = 0; i < w.length; i++) {
      let p = "";
      let bestN = 0;
      for (let n = 1; n <= (starts.has(w[i]!) ? 2 : 1) && i + n <= w.length; n++) {
        p = n === 1 ? w[i]! : `${p} ${w[i + n - 1]}`;
        if (phrases.has(p)) bestN = n;
      }
      if (bestN > 0) {
        const last = toks[i + bestN - 1]!;
        out.push([toks[i]!.index, last.index + last[0].length]);
        i += bestN - 1;
      }
    }
    return out;
  };
  const pieces = ["bad", "BAD", "Bad", " ", "  ", "word", "WORD", ",", "'", "’", "kill", "yourself", "you're", "stupid", "ÜNÏCODE", "ünïcode", "x", "2",
    "𝒜BC", "𝒜bc", "\ud835", "ǄEMAL", "ǅemal", "STRASSE", "straße", "STRAẞE", "İ", "-", "\n", "é", "bads", "😀", "\u00a0"];
  const rng = new Rng(11);
  let withHits = 0;
  for (let k = 0; k < 5000; k++) {
    let s = "";
    const n = 1 + rng.int(30);
    for (let i = 0; i < n; i++) s += pieces[rng.int(pieces.length)];
    const want = ref(s);
    if (want.length > 0) withHits++;
    assert.equal(tm.hits(s), want.length, JSON.stringify(s));
    const merged = tm.spans(s);
    assert.deepEqual(merged, want, JSON.stringify(s)); // entries here never overlap, so the merged spans are the hits
  }
  assert.ok(withHits > 1000, `only ${withHits} texts with hits`);
});
