// Tasks derived mechanically from the pretraining corpora: TinyStories "continue this story" and "write a story
// with the words X, Y, Z" (checkable: required_words), Aozora 「続きを書いて」 and 「台詞を抜き出して」 (checkable:
// expected_quotes). Not here: file parsing (sources.ts) or the curated data sets (tasks.ts).
import { join } from "node:path";
import type { Rng } from "../../util/rng.js";
import type { InstructConfig } from "./config.js";
import type { InstructExample } from "./example.js";
import { readAozora, readStoriesEot, readStoriesVal } from "./sources.js";
import { rngFor, shuffled } from "./split.js";
import { chat, type SourceResult } from "./tasks.js";

export const CONTINUE_PROMPT = "Continue this story.";

/** Cuts a story at the sentence end closest to its middle; null when it has fewer than 4 sentences. */
export function splitStory(text: string): { head: string; tail: string } | null {
  const ends: number[] = [];
  for (const m of text.matchAll(/[.!?]["”’']?(?=\s)/g)) ends.push(m.index + m[0].length);
  if (ends.length < 3) return null;
  let cut = ends[0]!;
  for (const e of ends) if (Math.abs(e - text.length / 2) < Math.abs(cut - text.length / 2)) cut = e;
  const head = text.slice(0, cut).trim();
  const tail = text.slice(cut).trim();
  return head.length < 40 || tail.length < 40 ? null : { head, tail };
}

/** Function words and story stock words that make a weak constraint. */
const STOP = new Set("about above after again against also always and another any anything around away back because been before being below between both came come could day days does doing done down each even ever every everyone everything feel felt from gave give going gone good got great had happy has have having her here hers herself him himself his home how into its itself just know knew like little look looked made make many more most much must never next nice once only other our ours out over said saw say see she should some something soon still such take than that the their theirs them then there these they thing things this those through time today together told too under until upon very want wanted was way well went were what when where which while who why will with would yes you your yours".split(" "));

/** Candidate words of a story: lower-case letters only (no contractions such as didn't), at least 4 long, not a stop word, and never written
 *  capitalised after the start of a sentence (that drops names such as Lily, which would make the task trivial). */
export function candidateWords(story: string): string[] {
  const lower = new Set<string>();
  const capitalised = new Set<string>();
  for (const m of story.matchAll(/(^|[.!?]["”’']?\s+|[^A-Za-z])?([A-Za-z]+(?:['’][A-Za-z]+)*)/g)) {
    const w = m[2]!;
    const sentenceStart = m.index === 0 || /[.!?]/.test(m[1] ?? "");
    if (/^[a-z]+$/.test(w)) lower.add(w);
    else if (/^[A-Z][a-z]+$/.test(w) && !sentenceStart) capitalised.add(w.toLowerCase());
  }
  return [...lower].filter((w) => w.length >= 4 && !STOP.has(w) && !capitalised.has(w)).sort();
}

/** True when w occurs in text as a whole word, in any case. */
export function hasWord(text: string, w: string): boolean {
  return new RegExp(`(^|[^A-Za-z])${w}([^A-Za-z]|$)`, "i").test(text);
}

const quoteList = (ws: readonly string[]): string => {
  const q = ws.map((w) => `"${w}"`);
  return q.length === 1 ? q[0]! : `${q.slice(0, -1).join(", ")} and ${q[q.length - 1]!}`;
};

function storyExamples(stories: readonly { index: number; text: string }[], idPrefix: string, cfg: InstructConfig, rng: Rng): InstructExample[] {
  const out: InstructExample[] = [];
  for (const s of stories) {
    const wantContinue = rng.next() < cfg.tinystories.continueFraction;
    const picks = shuffled(candidateWords(s.text), rng).slice(0, cfg.tinystories.requiredWords).sort();
    const cut = splitStory(s.text);
    if (wantContinue && cut !== null) {
      out.push({ id: `tinystories:${idPrefix}#${s.index}`, task: "story-continue", source: "tinystories", licence: "CDLA-Sharing-1.0", messages: chat(`${CONTINUE_PROMPT}\n\n${cut.head}`, cut.tail) });
    } else if (picks.length === cfg.tinystories.requiredWords) {
      const user = `Write a short story for young children that uses the words ${quoteList(picks)}.`;
      out.push({ id: `tinystories:${idPrefix}#${s.index}`, task: "story-words", source: "tinystories", licence: "CDLA-Sharing-1.0", messages: chat(user, s.text), required_words: picks });
    }
  }
  return out;
}

/** TinyStories (Eldan & Li 2023): the two train-split extracts (V1 sample, V2 10k) are trained on, stories from
 *  the V1 validation extract are held out (at most heldOutPerTask per task). tiny-stories.json is not used: its
 *  train/validation origin is not stated (CORPORA.md). Exact duplicate stories are kept once. */
export function buildTinyStories(dataDir: string, cfg: InstructConfig): SourceResult {
  const dir = join(dataDir, "tinystories");
  const seen = new Set<string>();
  const dedup = (xs: { index: number; text: string }[]): { index: number; text: string }[] => xs.filter((s) => !seen.has(s.text) && seen.add(s.text) !== undefined);
  const rng = rngFor(cfg.seed, "tinystories");
  const train = [
    ...storyExamples(dedup(readStoriesEot(join(dir, "tinystories_sample.txt"))), "tinystories_sample.txt", cfg, rng),
    ...storyExamples(dedup(readStoriesEot(join(dir, "tinystories_10k.txt"))), "tinystories_10k.txt", cfg, rng),
  ];
  const val = storyExamples(dedup(readStoriesVal(join(dir, "tinystories_val.txt"))).filter((s) => s.text.length <= 4000), "tinystories_val.txt", cfg, rngFor(cfg.seed, "tinystories-val"));
  const cap = (task: string): InstructExample[] => val.filter((e) => e.task === task).slice(0, cfg.tinystories.heldOutPerTask);
  const heldOut = [...cap("story-continue"), ...cap("story-words")];
  const ids = (task: string): string[] => heldOut.filter((e) => e.task === task).map((e) => e.id.slice("tinystories:".length));
  const rule = "stories of tinystories_val.txt (V1 validation; a story starts at 'Once upon a time' / 'Once there'), first heldOutPerTask per task";
  return {
    source: "tinystories",
    train,
    heldOut,
    heldOutSets: [
      { task: "story-continue", rule, ids: ids("story-continue") },
      { task: "story-words", rule, ids: ids("story-words") },
    ],
    skipped: [],
  };
}

export const JA_CONTINUE_PROMPT = "この文章の続きを書いてください。";
export const JA_QUOTES_PROMPT = "次の文章から、かぎかっこ「」で囲まれた台詞をすべて、出てくる順に一行に一つずつ抜き出してください。";

const hasKana = (s: string): boolean => /[\u3041-\u309f]/.test(s);

/** The top-level 「…」 quotations of a paragraph, or null when the brackets do not nest properly. */
export function quotations(text: string): string[] | null {
  const out: string[] = [];
  let depth = 0;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "「") {
      if (depth === 0) start = i;
      depth++;
    } else if (text[i] === "」") {
      depth--;
      if (depth < 0) return null;
      if (depth === 0) out.push(text.slice(start, i + 1));
    }
  }
  return depth === 0 ? out : null;
}

/** Aozora (public domain): per work, up to continuePerWork (paragraph → next paragraph) pairs and quotesPerWork
 *  quotation-extraction paragraphs, drawn at random without reusing a paragraph. Held-out works are whole works. */
export function buildAozora(dataDir: string, cfg: InstructConfig): SourceResult {
  const works = readAozora(join(dataDir, "aozora")).filter((w) => !cfg.aozora.excludeWorks.includes(w.file));
  const train: InstructExample[] = [];
  const heldOut: InstructExample[] = [];
  for (const w of works) {
    const rng = rngFor(cfg.seed, `aozora:${w.file}`);
    const used = new Set<number>();
    const out = cfg.aozora.heldOutWorks.includes(w.file) ? heldOut : train;
    const ps = w.paragraphs;
    const work = `${w.title} (${w.file})`;
    let n = 0;
    for (const i of shuffled([...ps.keys()], rng)) {
      if (n >= cfg.aozora.continuePerWork) break;
      const a = ps[i]!;
      const b = ps[i + 1];
      if (b === undefined || used.has(i) || used.has(i + 1)) continue;
      if (a.text.length < 40 || a.text.length > 300 || b.text.length < 20 || b.text.length > 300 || !hasKana(a.text) || !hasKana(b.text)) continue;
      used.add(i).add(i + 1);
      out.push({ id: `aozora:${w.file}#L${a.line}`, task: "ja-continue", source: "aozora", licence: "public-domain", messages: chat(`${JA_CONTINUE_PROMPT}\n\n${a.text}`, b.text), work });
      n++;
    }
    n = 0;
    for (const i of shuffled([...ps.keys()], rng)) {
      if (n >= cfg.aozora.quotesPerWork) break;
      const p = ps[i]!;
      if (used.has(i) || p.text.length < 30 || p.text.length > 300) continue;
      const q = quotations(p.text);
      // A paragraph that is one quotation whole is left out: copying it back teaches nothing.
      if (q === null || q.length === 0 || q[0] === p.text) continue;
      used.add(i);
      out.push({ id: `aozora:${w.file}#Q${p.line}`, task: "ja-quotes", source: "aozora", licence: "public-domain", messages: chat(`${JA_QUOTES_PROMPT}\n\n${p.text}`, q.join("\n")), expected_quotes: q, work });
      n++;
    }
  }
  const ids = (task: string): string[] => heldOut.filter((e) => e.task === task).map((e) => e.id.slice("aozora:".length));
  const rule = `every sampled passage of the held-out works ${cfg.aozora.heldOutWorks.join(", ")} (different works from training)`;
  return {
    source: "aozora",
    train,
    heldOut,
    heldOutSets: [
      { task: "ja-continue", rule, ids: ids("ja-continue") },
      { task: "ja-quotes", rule, ids: ids("ja-quotes") },
    ],
    skipped: [],
  };
}
