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

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** 1 for the BMP code units in [\p{L}\p{N}'] (an immutable table; surrogates are 0 and handled by pairs). */
const TOKEN_CHAR: Uint8Array = new Uint8Array(65536);
(() => {
  const re = /[\p{L}\p{N}']/u;
  for (let c = 0; c < 65536; c++) if (!(c >= 0xd800 && c <= 0xdfff) && re.test(String.fromCharCode(c))) TOKEN_CHAR[c] = 1;
})();
const ASTRAL_TOKEN = /^[\p{L}\p{N}]$/u;

/** Token offsets of the last tokenize() call (grown on demand; per thread, used before the next call). */
let tokStart = new Int32Array(1024);
let tokEnd = new Int32Array(1024);

/** Code units taken by the token character at i: 1 (BMP), 2 (a letter or digit outside the BMP), or 0 (none). */
function tokenCharAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c < 0xd800 || c > 0xdfff) return TOKEN_CHAR[c]!;
  if (c > 0xdbff || i + 1 >= text.length) return 0;
  const d = text.charCodeAt(i + 1);
  if (d < 0xdc00 || d > 0xdfff) return 0;
  return ASTRAL_TOKEN.test(text.slice(i, i + 2)) ? 2 : 0;
}

/** The matches of /[\p{L}\p{N}']+/gu in text, as [tokStart[k], tokEnd[k]) offsets; returns their number. */
function tokenize(text: string): number {
  const T = text.length;
  let n = 0;
  let i = 0;
  while (i < T) {
    let w = tokenCharAt(text, i);
    if (w === 0) {
      i++;
      continue;
    }
    const a = i;
    do {
      i += w;
    } while (i < T && (w = tokenCharAt(text, i)) !== 0);
    if (n === tokStart.length) {
      const s2 = new Int32Array(2 * n);
      s2.set(tokStart);
      tokStart = s2;
      const e2 = new Int32Array(2 * n);
      e2.set(tokEnd);
      tokEnd = e2;
    }
    tokStart[n] = a;
    tokEnd[n] = i;
    n++;
  }
  return n;
}

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
  // Every word of every entry, and their hashes (FNV-1a of the lowercased UTF-16 code units), to skip the tokens
  // that cannot be part of a hit without making their strings.
  const wordSet = new Set<string>();
  for (const p of phrases) for (const x of p.split(" ")) wordSet.add(x);
  const wordHashes = new Set<number>();
  for (const x of wordSet) {
    let h = FNV_OFFSET;
    for (let j = 0; j < x.length; j++) h = Math.imul(h ^ x.charCodeAt(j), FNV_PRIME);
    wordHashes.add(h >>> 0);
  }
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
    // Tokens are the runs of /[\p{L}\p{N}']+/u (scanned in place: tokenize()); a token's lowercased string is made
    // only when it may be a word of some entry (its hash is in wordHashes, or it is not ASCII).
    const nt = tokenize(text);
    const ts = tokStart;
    const te = tokEnd;
    /** The lowercased token k, or null when it is no entry's word. */
    const word = (k: number): string | null => {
      const a = ts[k]!;
      const b = te[k]!;
      let ascii = true;
      let h = FNV_OFFSET;
      for (let j = a; j < b; j++) {
        const c = text.charCodeAt(j);
        if (c >= 128) {
          ascii = false;
          break;
        }
        h = Math.imul(h ^ (c >= 65 && c <= 90 ? c + 32 : c), FNV_PRIME);
      }
      if (ascii && !wordHashes.has(h >>> 0)) return null;
      const s = text.slice(a, b).toLowerCase();
      return wordSet.has(s) ? s : null;
    };
    for (let i = 0; i < nt; i++) {
      // The longest entry starting at word i; overlapping shorter entries inside it are not counted again.
      const wi = word(i);
      if (wi === null) continue; // no entry has this word
      let p = "";
      let best = "";
      let bestN = 0;
      const longest = starts.has(wi) ? maxLen : 1;
      for (let n = 1; n <= longest && i + n <= nt; n++) {
        const wn = n === 1 ? wi : word(i + n - 1);
        if (wn === null) break; // no entry holds this word, so none holds a longer phrase through it
        p = n === 1 ? wn : `${p} ${wn}`;
        if (phrases.has(p)) [best, bestN] = [p, n];
      }
      if (bestN > 0) {
        out.push({ entry: best, start: ts[i]!, end: te[i + bestN - 1]! });
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
