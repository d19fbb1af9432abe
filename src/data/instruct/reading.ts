// Reading comprehension in the grounded chat form (issue 13): a short passage as numbered source [1], a question
// whose answer is a span of it, and the answer "<span> [1]"; or, when the passage comes from another text, the
// fixed "the sources do not say". Questions are made mechanically from one sentence of the passage (who / what was
// the name / where / in what year in English; a 何 cloze in Japanese), so the model learns to find the sentence and
// copy the span — what `rag ask` needs from it. Built from TinyStories training stories and Aozora paragraphs only.
// Not here: the prompt's wording (data/grounded-chat.ts), other tasks (tasks.ts, derived.ts), the mix (train/sft).
import { join } from "node:path";
import type { Rng } from "../../util/rng.js";
import { groundedMessages, NOT_IN_SOURCES, type Lang } from "../grounded-chat.js";
import type { InstructConfig } from "./config.js";
import type { InstructExample, Message } from "./example.js";
import { readAozora, readStoriesEot, readStoriesVal } from "./sources.js";
import { rngFor, shuffled } from "./split.js";
import type { SourceResult } from "./tasks.js";

/** Sizes chosen so that an example, system text included, stays within the SFT stage's 500 characters (English
 *  system text: 190; Japanese: 75, and Japanese takes ~1 token a character in the 256-token default model). */
export const READING = {
  maxPassageChars: { en: 230, ja: 120 },
  /** Share of examples whose passage comes from another text (answer: the sources do not say). */
  unanswerableFraction: 0.15,
  /** Questions per Aozora work and per TinyStories story (the first ones of a seeded shuffle). */
  perWork: 60,
  perStory: 1,
  heldOutStories: 100,
} as const;

/** A question made from one sentence: the answer is the sentence's code units [at, at + answer.length). */
export interface SentenceQuestion {
  readonly question: string;
  readonly answer: string;
  readonly at: number;
}

/** Sentence-initial words that are not names. */
const NOT_NAMES = new Set("A An And As At But By During Each Every Finally For From He Her His However If In It Its Later Many Mom Dad Most My Next No Now Of On Once One Only Our She So Some Soon Suddenly That The Their Then There These They This Those To Today Together Two Very We What When Where While Who Why With Yes You Your".split(" "));

/** Common irregular past tenses (after a name, a word ending in -ed, was, is or has is taken as a verb too; a plain -s
 *  word is not: in Wikipedia sentences it is mostly a plural, "Adjacent counties are …"). */
const IRREGULAR = "ate|became|began|brought|built|came|could|did|drew|felt|found|gave|got|had|heard|held|kept|knew|left|lost|made|met|put|ran|sang|sat|saw|said|swam|took|told|thought|threw|wanted|went|won|wrote";

/** English questions from one sentence, each with its answer as a span of the sentence. Patterns: "a dog named
 *  Max" → "What was the name of the dog?"; "Lily found a shell." → "Who found a shell?"; "Tom went to the park" →
 *  "Where did Tom go?"; "… in 1950 …" → the sentence with "in what year". */
export function englishQuestions(sentence: string): SentenceQuestion[] {
  const lead = sentence.length - sentence.trimStart().length;
  return englishQuestionsTrimmed(sentence.trim()).map((q) => ({ ...q, at: q.at + lead }));
}

function englishQuestionsTrimmed(s: string): SentenceQuestion[] {
  const out: SentenceQuestion[] = [];
  if (!/[.!]$/.test(s)) return out;
  const named = /\b(?:a|an) ([a-z]+) (?:named|called) ([A-Z][a-z]+)\b/.exec(s);
  if (named !== null) out.push({ question: `What was the name of the ${named[1]!}?`, answer: named[2]!, at: named.index + named[0].length - named[2]!.length });
  const who = new RegExp(`^([A-Z][a-z]+) ((?:[a-z]+ed|was|is|has|${IRREGULAR})\\b[^"“”]*)[.!]$`).exec(s);
  if (who !== null && !NOT_NAMES.has(who[1]!) && !who[1]!.endsWith("ing")) out.push({ question: `Who ${who[2]!}?`, answer: who[1]!, at: 0 });
  const where = /^([A-Z][a-z]+(?: and [A-Z][a-z]+)?) (?:went|ran|walked) to (the [a-z]+)\b/.exec(s);
  if (where !== null && (/^(He|She|They)$/.test(where[1]!) || !NOT_NAMES.has(where[1]!.split(" ")[0]!))) {
    const subj = /^(He|She|They)$/.test(where[1]!) ? where[1]!.toLowerCase() : where[1]!;
    out.push({ question: `Where did ${subj} go?`, answer: where[2]!, at: where[0].length - where[2]!.length });
  }
  const year = /\bin ((?:1[5-9]|20)\d\d)\b/.exec(s);
  if (year !== null && !/"/.test(s)) out.push({ question: `${s.slice(0, year.index)}in what year${s.slice(year.index + year[0].length, -1)}?`, answer: year[1]!, at: year.index + 3 });
  return out;
}

const RUN = /[\p{Script=Han}\p{Script=Katakana}ー]{2,8}/gu;

/** A Japanese question from one sentence: a run of 2–8 kanji/katakana followed by a particle is replaced by 何 and
 *  the sentence's final 。 by か。 (「下人は羅生門の下で雨やみを待っていた。」 → 「何は羅生門の…」 is skipped: the
 *  first run is taken only after the sentence start). Null when no run qualifies. */
export function japaneseQuestion(sentence: string, rng: Rng): SentenceQuestion | null {
  // Offsets count from the sentence as given: leading (full-width) spaces are skipped, not cut.
  const lead = sentence.length - sentence.trimStart().length;
  const s = sentence.trim();
  if (!/[\u3041-\u309f]。$/u.test(s) || /[「」『』]/.test(s)) return null;
  const runs: { at: number; text: string }[] = [];
  for (const m of s.matchAll(RUN)) {
    const next = s[m.index + m[0].length] ?? "";
    const prev = m.index === 0 ? "" : s[m.index - 1]!;
    if ("はがをにでとへも".includes(next) && next !== "" && !/[\p{Script=Han}\p{Script=Katakana}ー]/u.test(prev)) runs.push({ at: m.index, text: m[0] });
  }
  if (runs.length === 0) return null;
  const r = runs[rng.int(runs.length)]!;
  return { question: `${s.slice(0, r.at)}何${s.slice(r.at + r.text.length, -1)}か。`, answer: r.text, at: r.at + lead };
}

/** English sentences with their offsets (a sentence ends at . ! ? and any closing quote, before whitespace). */
export function sentencesEn(text: string): { at: number; text: string }[] {
  const out: { at: number; text: string }[] = [];
  for (const m of text.matchAll(/[^\s][^]*?(?:[.!?]["”’]?(?=\s|$)|$)/g)) if (m[0].trim() !== "") out.push({ at: m.index, text: m[0] });
  return out;
}

/** Japanese sentences (up to 。！？) with their offsets. */
export function sentencesJa(text: string): { at: number; text: string }[] {
  return [...text.matchAll(/[^。！？\n]+[。！？]?/g)].map((m) => ({ at: m.index, text: m[0] }));
}

/** The longest run of whole sentences around sentence k that fits in max code units (k first, then alternately
 *  the next and the previous); null when sentence k alone is too long. */
export function window(text: string, sents: readonly { at: number; text: string }[], k: number, max: number): { at: number; text: string } | null {
  let lo = k, hi = k;
  const span = (a: number, b: number): string => text.slice(sents[a]!.at, sents[b]!.at + sents[b]!.text.length);
  if (span(k, k).length > max) return null;
  for (let grew = true; grew; ) {
    grew = false;
    if (hi + 1 < sents.length && span(lo, hi + 1).length <= max) [hi, grew] = [hi + 1, true];
    if (lo > 0 && span(lo - 1, hi).length <= max) [lo, grew] = [lo - 1, true];
  }
  return { at: sents[lo]!.at, text: span(lo, hi) };
}

/** One question with its passage, before it becomes a chat. */
export interface ReadingItem {
  readonly id: string;
  readonly lang: Lang;
  readonly licence: string;
  readonly passage: string;
  readonly question: string;
  readonly answer: string;
  /** Code units into passage where answer starts. */
  readonly at: number;
}

/** Code points before a code-unit offset (rag's citation offsets count code points, as Python does). */
const codePoints = (s: string, end: number): number => [...s.slice(0, end)].length;

/** The chat of an item: source [1], the question, and "<answer> [n]" or the fixed "not in the sources"
 *  text when `other` replaces the passage. answer_span names the source and its code-point offsets. */
export function readingExample(item: ReadingItem, rng: Rng, others: readonly ReadingItem[]): InstructExample {
  const lang = item.lang;
  const fixed = { task: "reading" as const, source: "kotodama-reading" as const, licence: item.licence };
  const asChat = (sources: { n: number; text: string }[], reply: string): Message[] => [...groundedMessages(item.question, sources, lang), { role: "assistant", content: reply }];
  const foreign = others.filter((o) => o.lang === lang && !o.passage.toLowerCase().includes(item.answer.toLowerCase()));
  if (foreign.length > 0 && rng.next() < READING.unanswerableFraction) {
    const o = foreign[rng.int(foreign.length)]!;
    return { ...fixed, id: `${item.id}/none`, messages: asChat([{ n: 1, text: o.passage }], NOT_IN_SOURCES[lang]) };
  }
  // One source: with the English system text (190 characters) a second passage would pass the SFT stage's
  // 500-character cap, and the 256-token model keeps one (cut) source of JSQuAD's anyway (docs/rag.md).
  const start = codePoints(item.passage, item.at);
  return {
    ...fixed, id: item.id, messages: asChat([{ n: 1, text: item.passage }], `${item.answer} [1]`),
    answer_span: { source: 1, start, end: start + [...item.answer].length, text: item.answer },
  };
}

/** Items from stories (English): per story up to perStory questions, each over a window of its sentences. */
export function storyItems(stories: readonly { index: number; text: string }[], idPrefix: string, rng: Rng): ReadingItem[] {
  const out: ReadingItem[] = [];
  for (const st of stories) {
    const sents = sentencesEn(st.text);
    const cands = sents.flatMap((s, k) => englishQuestions(s.text).map((q) => ({ k, q })));
    for (const { k, q } of shuffled(cands, rng).slice(0, READING.perStory)) {
      const w = window(st.text, sents, k, READING.maxPassageChars.en);
      if (w === null) continue;
      out.push({ id: `kotodama-reading:${idPrefix}#${st.index}/${k}`, lang: "en", licence: "CDLA-Sharing-1.0", passage: w.text, question: q.question, answer: q.answer, at: sents[k]!.at - w.at + q.at });
    }
  }
  return out;
}

/** Items from an Aozora work's paragraphs (Japanese): up to perWork, at most one per paragraph. */
function aozoraItems(file: string, paragraphs: readonly { line: number; text: string }[], rng: Rng): ReadingItem[] {
  const out: ReadingItem[] = [];
  for (const p of shuffled(paragraphs, rng)) {
    if (out.length >= READING.perWork) break;
    const sents = sentencesJa(p.text);
    const k = rng.int(Math.max(1, sents.length));
    const s = sents[k];
    const q = s === undefined ? null : japaneseQuestion(s.text, rng);
    const w = q === null ? null : window(p.text, sents, k, READING.maxPassageChars.ja);
    if (q === null || w === null || s === undefined) continue;
    out.push({ id: `kotodama-reading:aozora/${file}#L${p.line}`, lang: "ja", licence: "public-domain", passage: w.text, question: q.question, answer: q.answer, at: s.at - w.at + q.at });
  }
  return out;
}

/** Alternates the two lists (a, b, a, b, …, then the rest), so that the SFT stage's first-N pick holds both. */
const interleave = <T>(a: readonly T[], b: readonly T[]): T[] => Array.from({ length: Math.max(a.length, b.length) }, (_, i) => [a[i], b[i]]).flat().filter((x): x is T => x !== undefined);

/** The reading task: TinyStories training extracts and the training works of Aozora are trained on (English and
 *  Japanese alternating); TinyStories validation stories (first heldOutStories) and the held-out Aozora works are
 *  held out. */
export function buildReading(dataDir: string, cfg: InstructConfig): SourceResult {
  const ts = join(dataDir, "tinystories");
  const rng = rngFor(cfg.seed, "reading");
  const en = ["tinystories_sample.txt", "tinystories_10k.txt"].flatMap((f) => storyItems(readStoriesEot(join(ts, f)), `tinystories/${f}`, rng));
  const enHeld = storyItems(readStoriesVal(join(ts, "tinystories_val.txt")), "tinystories/tinystories_val.txt", rngFor(cfg.seed, "reading-val")).slice(0, READING.heldOutStories);
  const works = readAozora(join(dataDir, "aozora")).filter((w) => !cfg.aozora.excludeWorks.includes(w.file));
  const ja = works.filter((w) => !cfg.aozora.heldOutWorks.includes(w.file)).flatMap((w) => aozoraItems(w.file, w.paragraphs, rngFor(cfg.seed, `reading:${w.file}`)));
  const jaHeld = works.filter((w) => cfg.aozora.heldOutWorks.includes(w.file)).flatMap((w) => aozoraItems(w.file, w.paragraphs, rngFor(cfg.seed, `reading:${w.file}`)));
  const dedupe = (xs: ReadingItem[]): ReadingItem[] => [...new Map(xs.map((x) => [x.id, x])).values()];
  const examples = (items: ReadingItem[], r: Rng): InstructExample[] => items.map((it, i) => readingExample(it, r, [2, 8, 32].map((d) => items[(i + d) % items.length]!)));
  const train = examples(interleave(shuffled(dedupe(ja), rng), shuffled(dedupe(en), rng)), rng);
  const heldOut = examples(interleave(dedupe(jaHeld), dedupe(enHeld)), rngFor(cfg.seed, "reading-heldout"));
  return {
    source: "kotodama-reading",
    train,
    heldOut,
    heldOutSets: [{ task: "reading", rule: `questions on the first ${READING.heldOutStories} usable stories of tinystories_val.txt and on the held-out Aozora works ${cfg.aozora.heldOutWorks.join(", ")}`, ids: heldOut.map((e) => e.id.slice("kotodama-reading:".length)) }],
    skipped: [],
  };
}
