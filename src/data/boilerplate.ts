// Line-level boilerplate removal for web pages, in the style of C4 (Raffel et al. 2020, §2.2) and FineWeb
// (Penedo et al. 2024): navigation menus and breadcrumbs, cookie/consent banners, legal lines, calls to action
// ("Read more", "Share on Facebook", 「続きを読む」), JavaScript notices, and, in web sources only, lines without
// terminal punctuation and very short lines. English and Japanese. Not here: document-level quality rules
// (quality.ts) or HTML parsing (the readers give text; a WET record is text already).
//
// Two kinds of rule. *Phrase* rules match what only page furniture says; they run on every source (clean prose
// has no cookie banner), with a length cap so that a sentence mentioning "read more" is not a menu. *Shape*
// rules (no terminal punctuation, too short) would gut poems, dialogue and headings, so they run only on web
// documents: those of a source listed in `webSources`, or, with `autoDetect`, any document where at least
// `autoDetectMinLines` lines already matched a phrase rule.

export type BoilerplateRule = "nav-menu" | "cookie" | "legal" | "call-to-action" | "javascript" | "no-terminal-punct" | "short-line";

export const BOILERPLATE_RULES: readonly BoilerplateRule[] = ["nav-menu", "cookie", "legal", "call-to-action", "javascript", "no-terminal-punct", "short-line"];

export interface BoilerplateConfig {
  /** Rules to apply (a subset of BOILERPLATE_RULES). */
  readonly rules: readonly BoilerplateRule[];
  /** Source names whose documents are web pages (every rule); "*" makes every source a web source. */
  readonly webSources: readonly string[];
  /** Treat a document of any source as a web page when this many of its lines match phrase rules. */
  readonly autoDetect: boolean;
  readonly autoDetectMinLines: number;
  /** Shape rule "short-line": fewer words than this (spaced text), or fewer characters than minLineChars
   *  (Japanese, no spaces). C4 used 3 words (its rule is "at least 3 words"). */
  readonly minLineWords: number;
  readonly minLineChars: number;
  /** Phrase rules only fire on lines up to this many characters (a menu or a banner line is short; a paragraph
   *  that happens to say "click here" is kept). */
  readonly maxPhraseLineChars: number;
  /** Extra phrases (case-insensitive substrings) whose short lines are removed as "call-to-action". */
  readonly extraPhrases: readonly string[];
}

export const BOILERPLATE_DEFAULTS: BoilerplateConfig = {
  rules: BOILERPLATE_RULES,
  webSources: [],
  autoDetect: true,
  autoDetectMinLines: 2,
  minLineWords: 3,
  minLineChars: 8,
  maxPhraseLineChars: 200,
  extraPhrases: [],
};

export interface BoilerplateResult {
  /** The document without the removed lines ("" when nothing is left). */
  readonly text: string;
  /** Whether the shape rules ran (web source or auto-detected). */
  readonly web: boolean;
  /** Removed lines, in order, with the rule that removed each. */
  readonly removed: readonly { readonly line: string; readonly rule: BoilerplateRule }[];
}

// Menus: three or more short items, each with a letter, separated by |, ·, •, », >, ›, ｜, ＞, " / " or " - "
// (not a bare "/": dates and "and/or"; not U+3000: Japanese verse spaces its phrases with it).
const MENU_SEP = /\s*(?:\||·|•|»|›|>|＞|｜)\s*|\s\/\s|\s-\s/;
const MENU_ITEM_MAX = 25;
/** A character every MENU_SEP match holds. */
const MENU_SEP_CHAR = /[|·•»›>＞｜/-]/;

// Cookie banners: a cookie word next to what banners say (C4 dropped "cookie policy", "use cookies" lines).
const COOKIE = /\bcookies?\b|クッキー|cookie/i;
const COOKIE_CONTEXT = /\b(accept|consent|policy|settings|preferences|browsing|website|site|we use|uses|use of|experience|agree|allow|reject|decline|manage)\b|同意|使用|利用|設定|ポリシー|サイト|受け入れ|許可|拒否/i;

// Legal furniture: phrases that are furniture wherever they sit in a line, and words that are furniture only as a
// short line of their own ("Privacy Policy", "Imprint"; not "she left an imprint on my mind").
const LEGAL = /all rights reserved|copyright\s*(?:©|\(c\)|\d{4})|©\s*\d{4}|\bdo not sell my (?:personal )?info|利用規約|プライバシーポリシー|個人情報(?:の取り?扱い|保護方針)|免責事項|無断(?:転載|複製|転用)|著作権(?:は|表示|について)|特定商取引法|サイトポリシー|運営会社/i;
const LEGAL_SHORT = /\bterms (?:of (?:use|service)|and conditions)\b|\bprivacy (?:policy|notice|statement)\b|\bcookie policy\b|\bdisclaimer\b|\blegal notice\b|\bimprint\b|\baccessibility\b/i;
const LEGAL_SHORT_WORDS = 5;

// Calls to action and page furniture (the whole line is little more than the phrase).
const CTA_EN = [
  "read more", "continue reading", "read the full", "click here", "tap here", "share on", "share this", "share via", "tweet this", "pin it",
  "subscribe", "subscribe to", "subscribe now", "sign up", "sign in", "log in", "login", "log out", "register now", "create an account", "follow us", "like us on",
  "leave a comment", "leave a reply", "post a comment", "add a comment", "comments", "reply", "related posts", "related articles",
  "you may also like", "recommended for you", "back to top", "skip to content", "skip to main content", "load more", "show more", "see more",
  "view all", "print this page", "email this", "previous post", "next post", "older posts", "newer posts", "posted by", "posted on",
  "posted in", "filed under", "tags:", "categories:", "advertisement", "sponsored", "download now", "buy now", "add to cart",
  "add to wishlist", "home page", "main menu", "search", "menu", "share", "quote", "views", "watch later", "was this article helpful", "was this helpful", "toggle navigation", "newsletter", "contact us", "about us", "sitemap",
];
const CTA_JA = [
  "続きを読む", "もっと見る", "さらに表示", "詳細はこちら", "詳しくはこちら", "こちらをクリック", "クリックして", "シェアする", "シェア", "ツイート",
  "いいね", "はてブ", "LINEで送る", "ブックマーク", "ログイン", "ログアウト", "新規登録", "会員登録", "無料登録", "フォローする",
  "コメントする", "コメントを書く", "コメント", "関連記事", "おすすめ記事", "人気記事", "ページの先頭へ", "ページトップへ", "トップへ戻る", "トップページ",
  "前の記事", "次の記事", "前へ", "次へ", "投稿日", "更新日", "カテゴリー", "タグ", "広告", "スポンサーリンク", "PR", "お問い合わせ",
  "サイトマップ", "メニュー", "検索", "メールマガジン", "カートに入れる", "今すぐ購入", "ホーム", "返信", "引用",
];

const JAVASCRIPT = /javascript/i;
const JS_CONTEXT = /\b(enable|enabled|disable|disabled|turn on|browser|required|supports?)\b|有効|無効|オン|ブラウザ|対応/i;

// Terminal punctuation (C4: ".", "!", "?", '"'; we add the Japanese and closing marks).
const TERMINAL = /[.!?"'”’)\]」』）】。！？…:;]$/;

const isJapanese = (s: string): boolean => /[\u3040-\u30ff\u4e00-\u9fff]/.test(s);
const wordCount = (s: string): number => s.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
/** Letters and digits only, lowercased: what a call-to-action line reduces to. */
const bare = (s: string): string => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();

export interface BoilerplateFilter {
  /** Removes boilerplate lines from one document of the named source. */
  clean(text: string, source: string): BoilerplateResult;
}

export function createBoilerplateFilter(cfg: BoilerplateConfig = BOILERPLATE_DEFAULTS): BoilerplateFilter {
  const on = new Set(cfg.rules);
  const allWeb = cfg.webSources.includes("*");
  const web = new Set(cfg.webSources);
  const cta = [...CTA_EN, ...CTA_JA, ...cfg.extraPhrases].map(bare).filter((p) => p !== "");
  const ctaSet = new Set(cta);
  const longestCta = Math.max(...cta.map((p) => p.length));
  // The phrases by their first and by their last character: only a phrase that starts or ends the line can make it a
  // call to action, and which one does is not asked (any will do), so isCta looks at these few instead of all.
  const byFirst = new Map<string, string[]>();
  const byLast = new Map<string, string[]>();
  for (const p of cta) {
    const f = byFirst.get(p[0]!) ?? [];
    if (f.length === 0) byFirst.set(p[0]!, f);
    f.push(p);
    const l = byLast.get(p[p.length - 1]!) ?? [];
    if (l.length === 0) byLast.set(p[p.length - 1]!, l);
    l.push(p);
  }
  // One English word or a Japanese word of up to 3 characters ("menu", "search", 「検索」「前へ」) is an ordinary
  // word too: such a phrase matches only as the whole line, or with a count ("Comments (3)", 「コメント 12」).
  const weak = (p: string): boolean => (isJapanese(p) ? p.length <= 3 : !p.includes(" "));

  /** A call to action: the line, reduced to letters and digits, is a known phrase, or starts or ends with one and
   *  has at most 3 other words (or 6 other characters in Japanese): "Share on Facebook", "Read more »",
   *  「続きを読む」, "Posted by admin". A question is not one unless it is a whole known phrase. */
  const isCta = (line: string): boolean => {
    if (line.length > 2 * longestCta + 80) return false; // cheap bound before building the bare form
    const b = bare(line);
    if (b === "") return false;
    if (ctaSet.has(b)) return true;
    if (b.length > longestCta + 40) return false;
    if (/[?？]\s*$/.test(line)) return false; // a question ("What about us?") is not a button
    const ja = isJapanese(b);
    const first = byFirst.get(b[0]!) ?? [];
    const last = byLast.get(b[b.length - 1]!) ?? [];
    for (const p of first.length === 0 ? last : last.length === 0 ? first : [...first, ...last]) {
      if (b.length > p.length + (ja ? 12 : 40)) continue;
      if (!(b.startsWith(p) || b.endsWith(p))) continue;
      const rest = b.startsWith(p) ? b.slice(p.length) : b.slice(0, b.length - p.length);
      if (weak(p)) {
        if (/^[\s\d]*$/.test(rest)) return true;
        continue;
      }
      // The phrase must end at a word edge in spaced text ("search" is not "searching").
      if (!ja && rest !== "" && !rest.startsWith(" ") && !rest.endsWith(" ")) continue;
      if (ja ? rest.replace(/\s/g, "").length <= 6 : wordCount(rest) <= 3) return true;
    }
    return false;
  };

  const isMenu = (line: string): boolean => {
    if (line.startsWith("|") && line.endsWith("|")) return false; // a Markdown table row
    if (!MENU_SEP_CHAR.test(line)) return false; // no separator, one item (the split below costs more than this)
    const items = line.split(MENU_SEP).map((s) => s.trim()).filter((s) => s !== "");
    if (items.length < 3) return false;
    // Items are short names: each has a letter and none is a sentence (ends with terminal punctuation).
    return items.every((s) => s.length <= MENU_ITEM_MAX && /\p{L}/u.test(s) && !/[.!?。！？]$/.test(s));
  };

  const phraseRule = (line: string): BoilerplateRule | null => {
    if (line.length > cfg.maxPhraseLineChars) return null;
    if (on.has("cookie") && COOKIE.test(line) && COOKIE_CONTEXT.test(line)) return "cookie";
    if (on.has("javascript") && JAVASCRIPT.test(line) && JS_CONTEXT.test(line)) return "javascript";
    if (on.has("legal") && (LEGAL.test(line) || (LEGAL_SHORT.test(line) && wordCount(line) <= LEGAL_SHORT_WORDS))) return "legal";
    if (on.has("nav-menu") && isMenu(line)) return "nav-menu";
    if (on.has("call-to-action") && isCta(line)) return "call-to-action";
    return null;
  };

  const shapeRule = (line: string): BoilerplateRule | null => {
    const ja = isJapanese(line);
    if (on.has("short-line") && (ja ? line.replace(/\s/g, "").length < cfg.minLineChars : wordCount(line) < cfg.minLineWords)) return "short-line";
    if (on.has("no-terminal-punct") && !TERMINAL.test(line)) return "no-terminal-punct";
    return null;
  };

  return {
    clean(text, source) {
      const lines = text.split("\n");
      const rule: (BoilerplateRule | null)[] = lines.map((l) => (l.trim() === "" ? null : phraseRule(l.trim())));
      const phraseHits = rule.filter((r) => r !== null).length;
      const isWeb = allWeb || web.has(source) || (cfg.autoDetect && phraseHits >= cfg.autoDetectMinLines);
      if (isWeb) for (let i = 0; i < lines.length; i++) if (rule[i] === null && lines[i]!.trim() !== "") rule[i] = shapeRule(lines[i]!.trim());
      if (rule.every((r) => r === null)) return { text, web: isWeb, removed: [] };
      const kept: string[] = [];
      const removed: { line: string; rule: BoilerplateRule }[] = [];
      for (let i = 0; i < lines.length; i++) {
        const r = rule[i];
        if (r === null || r === undefined) kept.push(lines[i]!);
        else removed.push({ line: lines[i]!, rule: r });
      }
      // Blank lines left at the edges or doubled by a removal go too.
      // (Only newlines are trimmed: a Japanese paragraph's U+3000 indent stays.)
      const out = kept.join("\n").replace(/\n{3,}/g, "\n\n").replace(/^\n+|\n+$/g, "");
      return { text: out, web: isWeb, removed };
    },
  };
}
