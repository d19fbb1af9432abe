// Toxicity / profanity filter by word lists: the English and Japanese lists of the `naughty-words` package
// (LDNOOBW, "List of Dirty, Naughty, Obscene and Otherwise Bad Words", CC-BY-4.0), as C4 used the same list,
// merged with the English list of the maintained `@2toad/profanity` package (MIT) and the multi-word insults of
// insults.ts. Mode "drop" drops documents over the thresholds; "mask" also replaces the hits of kept documents.
// Not here: a learned classifier (that is the safety layer's job); this is a cheap, explainable first pass.
//
// English entries match whole words (and whole multi-word phrases) case-insensitively; Japanese entries, which
// have no word boundaries, match as substrings. The Japanese list mixes slurs with everyday words (嫌い
// "dislike", 女の子 "girl", 裸 "naked", カント "Kant"), so a documented allow-list removes those by default.
// A document is dropped when it has at least minHits hits and at least minRatio hits per unit (word, or
// character for Japanese: see units.ts).
import { createRequire } from "node:module";
import { isCjk, unitHashes } from "./units.js";
import { INSULTS_EN } from "./insults.js";

export type ToxicityMode = "drop" | "mask";

export interface ToxicityConfig {
  /** Word lists: a naughty-words code ("en", "ja"), "2toad:CODE" for the @2toad/profanity list of that language,
   *  or "insults-en" for the multi-word English insults in insults.ts. */
  readonly lists: readonly string[];
  /** Entries to ignore (benign in ordinary prose). */
  readonly allow: readonly string[];
  /** Extra entries to add. */
  readonly extra: readonly string[];
  readonly minHits: number;
  readonly minRatio: number;
  /** "drop": a document over the thresholds is dropped, one under them is kept unchanged. "mask": the same
   *  documents are dropped, and the hits in the ones kept are replaced by `placeholder`. */
  readonly mode: ToxicityMode;
  readonly placeholder: string;
}

export const TOXICITY_DEFAULTS: ToxicityConfig = {
  lists: ["en", "ja", "2toad:en", "insults-en"],
  allow: [
    // ja: everyday words in the LDNOOBW ja list (they fill 青空文庫 novels).
    "いたずら", "嫌い", "女の子", "支配", "人種", "裸", "ファンタジー", "ラバー", "フック", "なめ", "カント", "グロ",
    "スリット", "デブ", "エスコート", "しばり", "縛り", "噴出", "誘惑", "奴隷", "拷問", "覗き", "糞", "卍", "直腸",
    "両刀", "平手打ち", "毛深い", "殺人事件", "女王様", "ぽっちゃり", "人妻", "おしり", "お尻", "オシリ", "おしっこ",
    "おもらし", "女子高生", "女装", "脱衣", "ホモ", "両性", "生殖器", "肛門", "精液", "射精", "挿入", "乳首", "陰毛",
    // en: words with an ordinary meaning that children's stories use.
    "butt", "suck", "nude", "scat", "poof", "mong", "big black", "tied up", "girl on",
    // en, @2toad/profanity: everyday words (balls and chess pawns in children's stories, "bloody" in British
    // prose), body words, and names or abbreviations that collide with ordinary text.
    "balls", "bum", "poop", "pawn", "willy", "willies", "wang", "breasts", "lust", "lusting", "bloody", "damn",
    "crap", "homo", "nazi", "cox", "hoar", "muff", "kum", "dink", "dinks", "flange", "teets", "teez", "testicle",
    "testical", "scrotum", "labia", "pube", "sadist", "masochist", "ejaculate", "ejaculated", "ejaculates",
    "ejaculating", "orgasms", "screwing", "nob", "cipa", "spac", "turd", "bugger", "pecker", "jap", "prick", "pricks",
    "butts", "pisser", "shag",
  ],
  extra: [],
  minHits: 1,
  minRatio: 0.02,
  mode: "drop",
  placeholder: "[PROFANITY]",
};

export interface ToxicityVerdict {
  readonly keep: boolean;
  readonly hits: number;
  readonly ratio: number;
  /** The document to keep: unchanged in "drop" mode, hits replaced by the placeholder in "mask" mode. */
  readonly text: string;
}

export interface ToxicityMatcher {
  /** Number of list hits in text. */
  hits(text: string): number;
  /** The matched entries (for the report), at most `limit`. */
  matches(text: string, limit: number): string[];
  /** [start, end) UTF-16 offsets of the hits, in order, not overlapping. */
  spans(text: string): [number, number][];
  judge(text: string): ToxicityVerdict;
}

const require = createRequire(import.meta.url);

function loadList(code: string): string[] {
  let list: unknown;
  if (code === "insults-en") return [...INSULTS_EN];
  if (code.startsWith("2toad:")) {
    const lang = code.slice(6);
    const words = (require("@2toad/profanity") as { profaneWords: Map<string, unknown> }).profaneWords.get(lang);
    if (words === undefined) throw new Error(`toxicity: no word list '${lang}' in the @2toad/profanity package`);
    list = words;
  } else {
    try {
      list = require(`naughty-words/${code}.json`);
    } catch {
      throw new Error(`toxicity: no word list '${code}' in the naughty-words package`);
    }
  }
  if (!Array.isArray(list)) throw new Error(`toxicity: word list '${code}' is not an array`);
  return list.filter((w): w is string => typeof w === "string");
}

const words = (s: string): string[] => s.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function createToxicityMatcher(cfg: ToxicityConfig = TOXICITY_DEFAULTS): ToxicityMatcher {
  const allow = new Set(cfg.allow.map((w) => w.toLowerCase()));
  const phrases = new Set<string>(); // space-joined word sequences
  const starts = new Set<string>(); // first words of multi-word phrases
  let maxLen = 1;
  const substrings: string[] = [];
  const entries = [...cfg.lists.flatMap(loadList), ...cfg.extra];
  for (const raw of entries) {
    const e = raw.normalize("NFKC").toLowerCase().trim();
    if (e === "" || allow.has(e)) continue;
    if ([...e].some((ch) => isCjk(ch.charCodeAt(0)))) {
      substrings.push(e);
      continue;
    }
    const w = words(e);
    if (w.length === 0 || w.join("").length < 3) continue; // "xx", "3p", "s&m": too short to match safely
    if (allow.has(w.join(" "))) continue;
    phrases.add(w.join(" "));
    if (w.length > 1) starts.add(w[0]!);
    maxLen = Math.max(maxLen, w.length);
  }
  substrings.sort((a, b) => b.length - a.length);
  const cjkRe = substrings.length > 0 ? new RegExp([...new Set(substrings)].map(escapeRe).join("|"), "g") : null;
  /** Hits with their spans: CJK substrings first, then whole words/phrases (longest entry at each word). */
  const found = (text: string, limit: number): { entry: string; start: number; end: number }[] => {
    const out: { entry: string; start: number; end: number }[] = [];
    if (cjkRe !== null && /[\u3040-\u30ff\u4e00-\u9fff]/.test(text)) {
      for (const m of text.matchAll(cjkRe)) {
        out.push({ entry: m[0], start: m.index ?? 0, end: (m.index ?? 0) + m[0].length });
        if (out.length >= limit) return out;
      }
    }
    const toks = [...text.matchAll(/[\p{L}\p{N}']+/gu)];
    const w = toks.map((m) => m[0].toLowerCase());
    for (let i = 0; i < w.length; i++) {
      // The longest entry starting at word i; overlapping shorter entries inside it are not counted again.
      let p = "";
      let best = "";
      let bestN = 0;
      const longest = starts.has(w[i]!) ? maxLen : 1;
      for (let n = 1; n <= longest && i + n <= w.length; n++) {
        p = n === 1 ? w[i]! : `${p} ${w[i + n - 1]}`;
        if (phrases.has(p)) [best, bestN] = [p, n];
      }
      if (bestN > 0) {
        const last = toks[i + bestN - 1]!;
        out.push({ entry: best, start: toks[i]!.index ?? 0, end: (last.index ?? 0) + last[0].length });
        if (out.length >= limit) return out;
        i += bestN - 1;
      }
    }
    return out;
  };
  const spans = (text: string): [number, number][] => {
    const s = found(text, Infinity).map((h): [number, number] => [h.start, h.end]).sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const x of s) {
      const prev = merged[merged.length - 1];
      if (prev !== undefined && x[0] < prev[1]) prev[1] = Math.max(prev[1], x[1]);
      else merged.push([x[0], x[1]]);
    }
    return merged;
  };
  const matcher: ToxicityMatcher = {
    hits: (text) => found(text, Infinity).length,
    matches: (text, limit) => found(text, limit).map((h) => h.entry),
    spans,
    judge(text) {
      const hits = matcher.hits(text);
      if (hits === 0) return { keep: true, hits, ratio: 0, text };
      const ratio = hits / Math.max(1, unitHashes(text).length);
      const keep = !(hits >= cfg.minHits && ratio >= cfg.minRatio);
      if (!keep || cfg.mode === "drop") return { keep, hits, ratio, text };
      let out = "";
      let at = 0;
      for (const [a, b] of spans(text)) {
        out += text.slice(at, a) + cfg.placeholder;
        at = b;
      }
      return { keep, hits, ratio, text: out + text.slice(at) };
    },
  };
  return matcher;
}
