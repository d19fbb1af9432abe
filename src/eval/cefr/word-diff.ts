// A word-level diff between a source sentence and its simplification, for showing what was kept, deleted and
// written: the longest common subsequence of their words (compared case-sensitively, punctuation attached to its
// word as written), deletions listed before insertions where both fall between the same kept words. For a
// deletion-only output every output word is a kept one. Not here: how the simplification was made (simplify.ts).

export type DiffOp = "keep" | "del" | "ins";

export interface DiffPart {
  readonly op: DiffOp;
  readonly text: string;
}

const words = (s: string): string[] => s.split(/\s+/).filter((w) => w !== "");

/** The parts in reading order: "keep" and "del" parts spell the source's words, "keep" and "ins" the output's. */
export function wordDiff(source: string, output: string): DiffPart[] {
  const a = words(source), b = words(output);
  // lcs[i][j]: the LCS length of a[i..] and b[j..].
  const lcs = Array.from({ length: a.length + 1 }, () => new Int32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: DiffPart[] = [];
  let i = 0, j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push({ op: "keep", text: a[i++]! });
      j++;
    } else if (i < a.length && (j === b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) out.push({ op: "del", text: a[i++]! });
    else out.push({ op: "ins", text: b[j++]! });
  }
  return out;
}
