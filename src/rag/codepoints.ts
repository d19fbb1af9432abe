// Code-point string helpers: offsets in the rag layer count Unicode code points (as Python's str does), while
// JavaScript strings index UTF-16 units; these convert. Not here: UTF-16 → code-point index maps (chunker.ts).

/** Length in code points. */
export const cpLength = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** The code points [start, end) of s (end exclusive, clamped to the length). */
export function cpSlice(s: string, start: number, end: number = Infinity): string {
  if (!/[\uD800-\uDBFF]/.test(s)) return s.slice(start, end);
  return Array.from(s).slice(start, end).join("");
}
