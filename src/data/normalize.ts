// Text normalisation: Unicode NFKC where it is safe, newlines, control characters and whitespace runs.
// Not here: any decision to drop a document (normalisation only changes text).
//
// "Where safe": NFKC folds full-width ASCII (Ｔｏｋｙｏ → Tokyo), half-width katakana (ｶﾞ → ガ), ligatures and
// compatibility spaces, which is what we want for mixed Japanese/English text. It would also rewrite characters
// whose compatibility form changes meaning or layout, so these are kept as they are: the ideographic space
// U+3000 (Japanese paragraph indent), superscripts and subscripts (x² is not x2), vulgar fractions (½ is not
// 1⁄2), the ellipsis … (Japanese punctuation) and circled/parenthesised numbers and letters (①, ⑴, ⓐ).

export interface NormalizeConfig {
  readonly nfkc: boolean;
  /** Remove C0/C1 control characters (except tab and newline), zero-width spaces and BOMs. */
  readonly controls: boolean;
  /** Collapse runs of spaces/tabs to one space, strip line ends, collapse 3+ newlines to a blank line. */
  readonly whitespace: boolean;
}

export const NORMALIZE_DEFAULTS: NormalizeConfig = { nfkc: true, controls: true, whitespace: true };

// Runs of characters outside ASCII and outside the keep-list get NFKC, with the ASCII character before the run
// (so that "e" + U+0301 composes to "é"); the rest is left untouched.
const NFKC_RUN = /[\x21-\x7E]?[^\x00-\x7F\u3000\u00B2\u00B3\u00B9\u2070-\u209F\u00BC-\u00BE\u2150-\u215F\u2026\u2460-\u24FF]+/g;
// U+00AD soft hyphen, U+200B zero width space, U+2060 word joiner, U+FEFF BOM. ZWJ/ZWNJ stay (emoji, scripts).
const CONTROLS = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u00AD\u200B\u2060\uFEFF]/g;
const NON_ASCII = /[^\x00-\x7F]/;
// The whitespace rules match only where the text changes: a run of 2+ blanks or one blank that is not a plain
// space, and a newline with a space beside it (a lone space or newline would be "replaced" by itself, one string
// allocation per word). Same output as / [ \t\u00A0\u2000-\u200A\u202F\u205F]+/ → " " and / ?\n ?/ → "\n";
// normalize.test.ts checks that against those rules on random text.
const BLANK_RUN = /[ \t\u00A0\u2000-\u200A\u202F\u205F]{2,}|[\t\u00A0\u2000-\u200A\u202F\u205F]/g;
const SPACED_NEWLINE = / \n ?|\n /g;
const isEdgeBlank = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a;

/** Normalises one document. Pure: the same input always gives the same output. */
export function normalizeText(text: string, cfg: NormalizeConfig = NORMALIZE_DEFAULTS): string {
  let t = text;
  // Newlines first: CRLF, lone CR, and the Unicode line/paragraph separators.
  if (t.includes("\r")) t = t.replace(/\r\n?/g, "\n");
  if (t.includes("\u2028") || t.includes("\u2029")) t = t.replace(/[\u2028\u2029]/g, "\n");
  if (cfg.nfkc && NON_ASCII.test(t)) t = t.replace(NFKC_RUN, (m) => m.normalize("NFKC"));
  if (cfg.controls) t = t.replace(CONTROLS, "");
  if (cfg.whitespace) {
    // NFKC turned compatibility spaces (U+00A0, U+2000..) into plain spaces already; collapse runs.
    t = t.replace(BLANK_RUN, " ");
    t = t.replace(SPACED_NEWLINE, "\n");
    if (t.includes("\n\n\n")) t = t.replace(/\n{3,}/g, "\n\n");
    // Strip spaces, tabs and newlines at both ends; not String.trim: it would also eat a leading U+3000 indent.
    let a = 0;
    let b = t.length;
    while (a < b && isEdgeBlank(t.charCodeAt(a))) a++;
    while (b > a && isEdgeBlank(t.charCodeAt(b - 1))) b--;
    if (a > 0 || b < t.length) t = t.slice(a, b);
  }
  return t;
}
