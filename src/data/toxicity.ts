// Toxicity / profanity filter by word lists: the English and Japanese lists of the `naughty-words` package
// (LDNOOBW, "List of Dirty, Naughty, Obscene and Otherwise Bad Words", CC-BY-4.0), as C4 used the same list.
// Not here: a learned classifier (that is the safety layer's job); this is a cheap, explainable first pass.
//
// English entries match whole words (and whole multi-word phrases) case-insensitively; Japanese entries, which
// have no word boundaries, match as substrings. The Japanese list mixes slurs with everyday words (嫌い
// "dislike", 女の子 "girl", 裸 "naked", カント "Kant"), so a documented allow-list removes those by default.
// A document is dropped when it has at least minHits hits and at least minRatio hits per unit (word, or
// character for Japanese: see units.ts).
import { createRequire } from "node:module";
import { isCjk, unitHashes } from "./units.js";

export interface ToxicityConfig {
  /** naughty-words list codes to use (e.g. "en", "ja"). */
  readonly lists: readonly string[];
  /** Entries to ignore (benign in ordinary prose). */
  readonly allow: readonly string[];
  /** Extra entries to add. */
  readonly extra: readonly string[];
  readonly minHits: number;
  readonly minRatio: number;
}

export const TOXICITY_DEFAULTS: ToxicityConfig = {
  lists: ["en", "ja"],
  allow: [
    // ja: everyday words in the LDNOOBW ja list (they fill 青空文庫 novels).
    "いたずら", "嫌い", "女の子", "支配", "人種", "裸", "ファンタジー", "ラバー", "フック", "なめ", "カント", "グロ",
    "スリット", "デブ", "エスコート", "しばり", "縛り", "噴出", "誘惑", "奴隷", "拷問", "覗き", "糞", "卍", "直腸",
    "両刀", "平手打ち", "毛深い", "殺人事件", "女王様", "ぽっちゃり", "人妻", "おしり", "お尻", "オシリ", "おしっこ",
    "おもらし", "女子高生", "女装", "脱衣", "ホモ", "両性", "生殖器", "肛門", "精液", "射精", "挿入", "乳首", "陰毛",
    // en: words with an ordinary meaning that children's stories use.
    "butt", "suck", "nude", "scat", "poof", "mong", "big black", "tied up", "girl on",
  ],
  extra: [],
  minHits: 1,
  minRatio: 0.02,
};

export interface ToxicityMatcher {
  /** Number of list hits in text. */
  hits(text: string): number;
  /** The matched entries (for the report), at most `limit`. */
  matches(text: string, limit: number): string[];
  judge(text: string): { readonly keep: boolean; readonly hits: number; readonly ratio: number };
}

const require = createRequire(import.meta.url);

function loadList(code: string): string[] {
  let list: unknown;
  try {
    list = require(`naughty-words/${code}.json`);
  } catch {
    throw new Error(`toxicity: no word list '${code}' in the naughty-words package`);
  }
  if (!Array.isArray(list)) throw new Error(`toxicity: naughty-words/${code}.json is not an array`);
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
    phrases.add(w.join(" "));
    if (w.length > 1) starts.add(w[0]!);
    maxLen = Math.max(maxLen, w.length);
  }
  substrings.sort((a, b) => b.length - a.length);
  const cjkRe = substrings.length > 0 ? new RegExp(substrings.map(escapeRe).join("|"), "g") : null;
  const found = (text: string, limit: number): string[] => {
    const out: string[] = [];
    if (cjkRe !== null && /[\u3040-\u30ff\u4e00-\u9fff]/.test(text)) {
      for (const m of text.matchAll(cjkRe)) {
        out.push(m[0]);
        if (out.length >= limit) return out;
      }
    }
    const w = words(text);
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
        out.push(best);
        if (out.length >= limit) return out;
        i += bestN - 1;
      }
    }
    return out;
  };
  const matcher: ToxicityMatcher = {
    hits: (text) => found(text, Infinity).length,
    matches: found,
    judge(text) {
      const hits = matcher.hits(text);
      if (hits === 0) return { keep: true, hits, ratio: 0 };
      const ratio = hits / Math.max(1, unitHashes(text).length);
      return { keep: !(hits >= cfg.minHits && ratio >= cfg.minRatio), hits, ratio };
    },
  };
  return matcher;
}
