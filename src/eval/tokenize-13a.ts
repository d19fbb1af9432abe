// The mteval-v13a tokenization that SacreBLEU's default tokenizer ("13a") and EASSE's normalize() apply before
// SARI, BLEU and FKGL: punctuation split off, periods and commas split unless next to a digit, a dash split after a
// digit, whitespace collapsed. Written from the rules in sacrebleu/tokenizers/tokenizer_13a.py + tokenizer_re.py
// (SacreBLEU 2.x). Not here: the metrics (sari.ts, bleu.ts, fkgl.ts), lowercasing (each metric says whether).

/** The 13a rules in order (SacreBLEU tokenizer_re.py): symbols in { | } ~ [ \ ] ^ _ ` space ! " # $ % & ( ) * +
 *  : ; < = > ? @ / are spaced; "." and "," are spaced unless a digit is on the other side; "-" after a digit. */
const RULES: readonly (readonly [RegExp, string])[] = [
  [/([{-~[-` -&(-+:-@\/])/g, " $1 "],
  [/([^0-9])([.,])/g, "$1 $2 "],
  [/([.,])([^0-9])/g, " $1 $2"],
  [/([0-9])(-)/g, "$1 $2 "],
];

/** The 13a-tokenized line, tokens joined by single spaces. */
export function tokenize13a(line: string): string {
  let s = line.replace(/<skipped>/g, "").replace(/-\n/g, "").replace(/\n/g, " ");
  if (s.includes("&")) s = s.replace(/&quot;/g, '"').replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">");
  for (const [re, sub] of RULES) s = s.replace(re, sub);
  return s.split(/\s+/).filter((t) => t !== "").join(" ");
}

/** Tokens of a line after EASSE's normalize(line, lowercase, "13a"). */
export function normalizeTokens(line: string, lowercase: boolean): string[] {
  const t = tokenize13a(lowercase ? line.toLowerCase() : line);
  return t === "" ? [] : t.split(" ");
}
