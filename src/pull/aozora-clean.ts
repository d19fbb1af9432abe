// Aozora Bunko text → body text: the cleaning pass that made ../shared/data/aozora/clean from aozora/raw
// (described in ../shared/data/CORPORA.md), so that `kotodama pull aozora` can rebuild clean/ and check it by
// sha256. Not here: decoding Shift_JIS (pull.ts, TextDecoder) or any other corpus's markup.
import { JISX0213 } from "./jisx0213.js";

/** Cleans one work: header and 底本 footer dropped, gaiji resolved, annotations and ruby removed. */
export function aozoraClean(raw: string): string {
  let lines = raw.replace(/\r\n/g, "\n").split("\n");
  // 1. Header: title, author and the 【テキスト中に現れる記号について】 block, through the second ----- rule.
  const rules = lines.flatMap((l, i) => (/^-{5,}\s*$/.test(l) ? [i] : []));
  if (rules.length >= 2 && rules[1] !== undefined) lines = lines.slice(rules[1] + 1);
  // 2. Footer: from the first line starting 底本：.
  const foot = lines.findIndex((l) => l.startsWith("底本："));
  if (foot >= 0) lines = lines.slice(0, foot);
  let t = lines.join("\n");
  // 3. Gaiji with a JIS X 0213 plane-row-cell or a U+XXXX code become that character, others 〓.
  t = t.replace(/※［＃([^］]*)］/g, (_m, note: string) => {
    const u = /U\+([0-9A-Fa-f]{4,6})/.exec(note);
    if (u?.[1] !== undefined) return String.fromCodePoint(parseInt(u[1], 16));
    const j = /(?:第[34]水準)?([12])-(\d{1,2})-(\d{1,2})$/.exec(note);
    return (j === null ? undefined : JISX0213[`${j[1]}-${Number(j[2])}-${Number(j[3])}`]) ?? "〓";
  });
  // 4. Other editorial annotations, 5. ruby readings and the ruby-start bar, 6. くの字点.
  t = t.replace(/［＃[^］]*］/g, "").replace(/《[^》]*》/g, "").replace(/｜/g, "");
  t = t.replace(/／″＼/g, "〲").replace(/／＼/g, "〱");
  // 7. Trailing whitespace off every line; runs of 3+ newlines become one blank line.
  t = t.split("\n").map((l) => l.replace(/[ \t\u3000]+$/u, "")).join("\n");
  t = t.replace(/\n{3,}/g, "\n\n");
  return `${t.replace(/^\n+/, "").replace(/\s+$/u, "")}\n`;
}
