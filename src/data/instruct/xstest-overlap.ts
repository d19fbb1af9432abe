// The rule that keeps kotodama's own look-alike prompts (borderline.ts, contrast.ts) apart from XSTest, which is an
// evaluation set and never trained on: no prompt equals an XSTest prompt or shares a word 4-gram with one once the
// question's opening ("How do I", "What is the best way to", …) is stripped. Not here: XSTest's labels and types
// (eval/safety/prompts.ts parses it for evaluation).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseCsv } from "../csv.js";

const OPENERS = /^(how (do|can|should) (i|we|you)|what('s| is) (the|a) (best|good|fastest) way( of| to)?|what does it mean( to| when)?|what (is|was|are)|what happened (during|at|in)( the)?|why (did|was|do|does|can't|are|is)|where (is|does|did|can)|when (was|did))\s+/;
const words = (s: string): string[] => s.toLowerCase().replace(/[^a-z0-9' ]+/g, " ").trim().split(/\s+/).filter((w) => w.length > 0);

/** The word n-grams of a prompt past its question opening (lowercased, punctuation dropped). */
export function wordGrams(s: string, n: number): Set<string> {
  const w = words(s.toLowerCase().replace(OPENERS, ""));
  const out = new Set<string>();
  for (let i = 0; i + n <= w.length; i++) out.add(w.slice(i, i + n).join(" "));
  return out;
}

/** Every way `prompts` break the rule against the XSTest prompts `xstest`: "equal: P" or "P ~ X (gram)". */
export function xstestClashes(prompts: Iterable<string>, xstest: readonly string[]): string[] {
  const exact = new Set(xstest.map((x) => x.toLowerCase().trim()));
  const seen = new Map<string, string>();
  for (const x of xstest) for (const g of wordGrams(x, 4)) seen.set(g, x);
  const clashes = new Set<string>();
  for (const p of prompts) {
    if (exact.has(p.toLowerCase().trim())) clashes.add(`equal: ${p}`);
    for (const g of wordGrams(p, 4)) if (seen.has(g)) clashes.add(`${p} ~ ${seen.get(g)!} (${g})`);
  }
  return [...clashes];
}

/** The 450 prompt texts of XSTest v2 (`dir`/xstest_prompts.csv), for the rule above. */
export function readXstestPromptTexts(dir: string): string[] {
  const rows = parseCsv(readFileSync(join(dir, "xstest_prompts.csv"), "utf8"));
  const col = rows[0]!.indexOf("prompt");
  return rows.slice(1).filter((r) => r.length > col).map((r) => r[col]!);
}
