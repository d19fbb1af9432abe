// The guard's training and calibration prompts. Risky: Do-Not-Answer's prompts with their harm types, ONLY those
// outside the project's held-out 20 % (doNotAnswerHeldOut, the prompts `eval safety` and the guard's measurement
// use), optionally also in kotodama's Japanese translation (dna-ja-train.ts), plus the hand-written Japanese ones
// (guard-ja.ts). Benign: Self-Instruct's 427 instructions (alone and with
// their first input, and some in the question forms risky prompts take: "Can you …?", "How do I …?"), CEFR-SP's
// SCoRE learner questions, Wikipedia sentences (ASSET valid originals and CEFR-SP Wiki-Auto train), some as
// questions about them, JCommonsenseQA questions (Japanese), the Japanese benign requests, and kotodama's
// borderline prompts (src/data/instruct/borderline.ts: safe questions with risky words, "How do I kill the moss on
// my patio?"), the look-alikes that teach the classifier a word is not the harm; and, risky, their twins aimed at
// people (guard-contrast.ts), and optionally the contrast generator's look-alikes and twins (contrast.ts) and the
// direct requests written for kotodama (guard-direct.ts; their calibration part is a second pool) and everyday
// how-to requests, benign (guard-howto.ts, so that asking how to do something is not what reads as risk; never the
// fourth of them the measurement counts, everydayHeldOut). XSTest is never read here: it is the over-refusal test
// set. Each source is split, stratified by class, into the fit part and the calibration part (calibFraction). Not
// here: features or the model (guard-classifier.ts).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readAsset, readCefr, readDoNotAnswer, readSelfInstruct } from "../data/instruct/sources.js";
import { doNotAnswerHeldOut, rngFor, shuffled, stratifiedHoldOut } from "../data/instruct/split.js";
import { INSTRUCT_DEFAULTS } from "../data/instruct/config.js";
import { BORDERLINE } from "../data/instruct/borderline.js";
import { generateContrasts } from "../data/instruct/contrast.js";
import { FormatError, KotodamaError } from "../util/errors.js";
import { RISKY_CONTRASTS } from "./guard-contrast.js";
import { JA_BENIGN, JA_RISKY } from "./guard-ja.js";
import { DNA_TRAIN_JA } from "./dna-ja-train.js";
import { composeJa, type ComposePool } from "./guard-ja-compose.js";
import { composeDirect } from "./guard-direct.js";
import { HOWTO_BENIGN_EN, HOWTO_BENIGN_JA, isHowtoHeldOut } from "./guard-howto.js";
import { harmTypeClass } from "./guard-taxonomy.js";

export interface GuardExample {
  readonly text: string;
  /** 0 benign, 1 + i harm type i (guard-taxonomy.ts). */
  readonly label: number;
  readonly source: string;
}

export interface GuardDataOptions {
  readonly seed: number;
  /** Share of each source (per class) kept apart from the fit to calibrate the thresholds. */
  readonly calibFraction: number;
  /** Wikipedia sentences at most (ASSET + Wiki-Auto), a seeded sample. */
  readonly maxWiki: number;
  /** JCommonsenseQA questions at most, a seeded sample. */
  readonly maxJa: number;
  /** Add the borderline prompts (borderline.ts) as benign. */
  readonly borderline: boolean;
  /** Add Self-Instruct's instructions again in question form ("Can you …?", "How do I …?") as benign. */
  readonly questionForms: boolean;
  /** Add the borderline prompts' risky twins (guard-contrast.ts) as risky. */
  readonly contrasts: boolean;
  /** The contrast generator's prompts per kind, language and side (0 = none): look-alikes benign, twins risky. */
  readonly generated?: number;
  /** Composed Japanese prompts (guard-ja-compose.ts) per harm type (0 = none); benign: JA_COMPOSED_BENIGN_PER_TYPE × as many. */
  readonly jaComposed?: number;
  /** The composed pool they are drawn from (default "main"). */
  readonly jaPool?: ComposePool;
  /** Add kotodama's Japanese translation of the same non-held-out Do-Not-Answer prompts (dna-ja-train.ts) as risky,
   *  each in the fit or the calibration part with its English original. */
  readonly dnaJa?: boolean;
  /** Direct requests (guard-direct.ts) per harm type and side (0 = none): risky and benign in the same frames, split by
   *  core: calibFraction of each harm type's cores (all their frames) calibrate, as a second pool (DIRECT_POOL). */
  readonly direct?: number;
  /** false: the direct requests are all fitted on, none calibrated on (default true: the split above). */
  readonly directPool?: boolean;
  /** Add the everyday how-to requests (guard-howto.ts), English and Japanese, as benign, each in one of the how-to
   *  frames (HOWTO_FRAMES_EN / _JA, in turn); never the held-out fourth (everydayHeldOut). */
  readonly howto?: boolean;
}

/** How-to frames the everyday requests are put in, in turn (the first of each language's list for the first core, …). */
export const HOWTO_FRAMES_EN: readonly ((c: string) => string)[] = [(c) => `How do I ${c}?`, (c) => `What's the best way to ${c}?`, (c) => `Can you tell me how to ${c}?`, (c) => `I want to ${c}. How should I do it?`, (c) => `Is there a way to ${c}?`, (c) => `Explain how to ${c}.`, (c) => `How can I ${c}?`];
export const HOWTO_FRAMES_JA: readonly ((c: string) => string)[] = [(c) => `${c}方法は？`, (c) => `${c}方法を教えてください。`, (c) => `${c}にはどうすればいいですか？`, (c) => `どうやって${c}んですか？`, (c) => `${c}やり方を知りたい。`, (c) => `${c}コツを教えて。`, (c) => `${c}にはどうしたらいい？`];

/** The everyday how-to content at index i of its language's list (guard-howto.ts) in its frame (the frames in turn). */
export const howtoPrompt = (lang: "en" | "ja", i: number): string => {
  const [cores, frames] = lang === "en" ? [HOWTO_BENIGN_EN, HOWTO_FRAMES_EN] : [HOWTO_BENIGN_JA, HOWTO_FRAMES_JA];
  return frames[i % frames.length]!(cores[i]!);
};

/** The everyday how-to requests no guard is trained on (isHowtoHeldOut: every fourth content, in its frame), English
 *  then Japanese: the guard's measurement counts how many it flags (guard-measure.ts). */
export function everydayHeldOut(): { readonly text: string; readonly lang: "en" | "ja" }[] {
  return (["en", "ja"] as const).flatMap((lang) => (lang === "en" ? HOWTO_BENIGN_EN : HOWTO_BENIGN_JA).flatMap((_, i) => (isHowtoHeldOut(i) ? [{ text: howtoPrompt(lang, i), lang }] : [])));
}

/** The suffix of a Do-Not-Answer prompt's Japanese translation's source (`dna:ID:ja`). */
const JA_TWIN = ":ja";

/** The source prefix of the direct requests: in the calibration part they are a pool of their own (guard-train.ts). */
export const DIRECT_POOL = "direct:";

/** Benign composed Japanese prompts per risky one of a harm type (the frames must not read as risk). */
export const JA_COMPOSED_BENIGN_PER_TYPE = 6;

export interface GuardData {
  readonly fit: readonly GuardExample[];
  readonly calib: readonly GuardExample[];
  /** Examples per source, fit + calibration. */
  readonly sources: Readonly<Record<string, number>>;
  /** The Do-Not-Answer ids left out (held out for the measurement). */
  readonly heldOutIds: readonly string[];
}

/** CEFR-SP's tokenised text ("Is that your bike ?") back to plain text. */
const detok = (s: string): string => s.replace(/ ([?.!,;:'%)])/g, "$1").replace(/([($]) /g, "$1").replace(/ n't/g, "n't").replace(/`` | ''/g, '"');

/** Templates that turn a statement into a benign request about it (the statement's words are the content). */
/** Question forms of an instruction, the shapes Do-Not-Answer's prompts take, so that the shape alone is not read
 *  as risk ("Write a poem about rain." → "Can you write a poem about rain?"). */
const ASK = [(s: string) => `Can you ${s}?`, (s: string) => `Could you help me ${s}?`, (s: string) => `How do I ${s}?`, (s: string) => `What is the best way to ${s}?`, (s: string) => `I want to ${s}. How should I do it?`];
const asClause = (instruction: string): string | null => {
  const t = instruction.trim().replace(/[.!?:]+$/, "");
  if (t.includes("\n") || t.length > 140 || !/^[A-Z][a-z]+ /.test(t)) return null;
  return t[0]!.toLowerCase() + t.slice(1);
};

const ABOUT = [(s: string) => `Explain this sentence: ${s}`, (s: string) => `Summarize in simple words: ${s}`, (s: string) => `Is the following true? ${s}`, (s: string) => `Rewrite this sentence more simply: ${s}`, (s: string) => s];

function readJcqa(file: string): string[] {
  return readFileSync(file, "utf8").split("\n").flatMap((line, i) => {
    if (line.trim() === "") return [];
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new FormatError(`${file}:${i + 1}`, `not valid JSON: ${(e as Error).message}`);
    }
    const q = (v as { question?: unknown }).question;
    if (typeof q !== "string" || q.trim() === "") throw new FormatError(`${file}:${i + 1}`, "field 'question' must be a non-empty string");
    return [q.trim()];
  });
}

/** Reads the sources under dataDir (../shared/data) and splits them into fit and calibration parts. */
export function loadGuardData(dataDir: string, o: GuardDataOptions): GuardData {
  const need = (p: string): string => {
    const f = join(dataDir, p);
    if (!existsSync(f)) throw new KotodamaError(`guard data: ${f} is absent (expected under --data-dir, default ../shared/data)`);
    return f;
  };
  const dnaFile = need("do-not-answer/do_not_answer_en.csv");
  const rows = readDoNotAnswer(dnaFile);
  const held = doNotAnswerHeldOut(rows, INSTRUCT_DEFAULTS.seed, INSTRUCT_DEFAULTS.doNotAnswer.heldOutFraction);
  const groups: { source: string; items: GuardExample[] }[] = [];
  const add = (source: string, items: GuardExample[]): void => void groups.push({ source, items });
  const dnaTrain = rows.filter((r) => !held.has(r.id)).map((r, i) => ({ text: r.question, label: harmTypeClass(r.typesOfHarm, `${dnaFile}: record ${i + 1} (id ${r.id})`), source: `dna:${r.id}` }));
  const dnaJa = o.dnaJa !== true ? [] : dnaTrain.map((x) => {
    const id = x.source.slice("dna:".length), text = DNA_TRAIN_JA[id];
    // Only if the split or the CSV changed: the translations cover exactly today's non-held-out ids (a test checks).
    if (text === undefined) throw new KotodamaError(`Do-Not-Answer prompt ${id} (outside the held-out 20 %) has no Japanese translation in src/safety/dna-ja-train.ts (has the split or ${dnaFile} changed?)`);
    return { ...x, text, source: `${x.source}${JA_TWIN}` };
  });
  add("do-not-answer (non-held-out)", [...dnaTrain, ...dnaJa]);
  if (o.contrasts) add("risky contrasts (guard-contrast.ts)", RISKY_CONTRASTS.map((x, i) => ({ text: x.text, label: harmTypeClass(x.type, `guard-contrast.ts RISKY_CONTRASTS[${i}]`), source: `contrast:${i}` })));
  add("japanese risky (guard-ja.ts)", JA_RISKY.map((x, i) => ({ text: x.text, label: harmTypeClass(x.type, `guard-ja.ts JA_RISKY[${i}]`), source: `ja-risky:${i}` })));
  add("japanese benign (guard-ja.ts)", JA_BENIGN.map((t, i) => ({ text: t, label: 0, source: `ja-benign:${i}` })));
  const si = [...readSelfInstruct(need("self-instruct/seed_tasks.jsonl")), ...readSelfInstruct(need("self-instruct/user_oriented_instructions.jsonl"))];
  add("self-instruct", si.flatMap((t) => {
    const inp = t.instances[0]!.input.trim();
    return [{ text: t.instruction, label: 0, source: `self-instruct:${t.id}` }, ...(inp === "" ? [] : [{ text: `${t.instruction}\n${inp}`, label: 0, source: `self-instruct:${t.id}:input` }])];
  }));
  if (o.questionForms) {
    add("self-instruct, question forms", si.flatMap((t, i) => {
      const c = asClause(t.instruction);
      return c === null ? [] : [{ text: ASK[i % ASK.length]!(c), label: 0, source: `self-instruct-ask:${t.id}` }];
    }));
  }
  if (o.borderline) add("kotodama borderline (borderline.ts)", BORDERLINE.flatMap(([kind, items]) => items.map(([q], i) => ({ text: q, label: 0, source: `borderline:${kind}/${i}` }))));
  if ((o.generated ?? 0) > 0) {
    const gen = generateContrasts({ seed: o.seed, perKind: o.generated! });
    const key = (id: string): string => id.replace(/^kotodama-contrast:/, "").replace(/\/(benign|harmful)\//, "/");
    add("contrast generator, look-alikes (contrast.ts)", gen.filter((c) => c.harm === null).map((c) => ({ text: c.prompt, label: 0, source: `gen-benign:${key(c.id)}` })));
    add("contrast generator, harmful twins (contrast.ts)", gen.flatMap((c) => (c.harm === null ? [] : [{ text: c.prompt, label: harmTypeClass(c.harm, `contrast.ts ${c.id}`), source: `gen-harm:${key(c.id)}` }])));
  }
  if ((o.jaComposed ?? 0) > 0) {
    const ja = composeJa({ seed: o.seed, perType: o.jaComposed!, benign: o.jaComposed! * JA_COMPOSED_BENIGN_PER_TYPE, pool: o.jaPool ?? "main" });
    add("japanese composed, risky (guard-ja-compose.ts)", ja.flatMap((p) => (p.type === null ? [] : [{ text: p.text, label: harmTypeClass(p.type, `guard-ja-compose.ts ${p.id}`), source: `ja-composed:${p.id}` }])));
    add("japanese composed, benign (guard-ja-compose.ts)", ja.flatMap((p) => (p.type !== null ? [] : [{ text: p.text, label: 0, source: `ja-composed:${p.id}` }])));
  }
  if ((o.direct ?? 0) > 0) {
    const d = composeDirect({ seed: o.seed, perType: o.direct! });
    add("direct requests, risky (guard-direct.ts)", d.flatMap((p) => (p.type === null ? [] : [{ text: p.text, label: harmTypeClass(p.type, `guard-direct.ts ${p.id}`), source: `${DIRECT_POOL}${p.id}` }])));
    add("direct requests, benign (guard-direct.ts)", d.flatMap((p) => (p.type !== null ? [] : [{ text: p.text, label: 0, source: `${DIRECT_POOL}${p.id}` }])));
  }
  if (o.howto === true) {
    for (const lang of ["en", "ja"] as const) {
      const cores = lang === "en" ? HOWTO_BENIGN_EN : HOWTO_BENIGN_JA;
      add(`everyday how-to requests, ${lang === "en" ? "english" : "japanese"} (guard-howto.ts)`, cores.flatMap((_, i) => (isHowtoHeldOut(i) ? [] : [{ text: howtoPrompt(lang, i), label: 0, source: `howto-${lang}:${i}` }])));
    }
  }
  const score = ["train", "dev", "test"].flatMap((s) => readCefr(need(`cefr-sp/SCoRE/CEFR-SP_SCoRE_${s}.txt`)));
  add("cefr-sp SCoRE questions", score.filter((r) => r.sentence.includes("?")).map((r, i) => ({ text: detok(r.sentence), label: 0, source: `score:${i}` })));
  const wikiRng = rngFor(o.seed, "guard-wiki");
  const wiki = [...readAsset(join(dataDir, "asset", "dataset"), "valid").map((r) => r.original), ...readCefr(need("cefr-sp/Wiki-Auto/CEFR-SP_Wikiauto_train.txt")).map((r) => detok(r.sentence))];
  add("wikipedia sentences (asset, wiki-auto)", shuffled(wiki, wikiRng).slice(0, o.maxWiki).map((s, i) => ({ text: ABOUT[i % ABOUT.length]!(s), label: 0, source: `wiki:${i}` })));
  const jcqa = readJcqa(need("jglue/jcommonsenseqa-v1.3/train-v1.3.json"));
  add("jcommonsenseqa questions", shuffled(jcqa, rngFor(o.seed, "guard-jcqa")).slice(0, o.maxJa).map((q, i) => ({ text: q, label: 0, source: `jcqa:${i}` })));

  const fit: GuardExample[] = [], calib: GuardExample[] = [];
  const sources: Record<string, number> = {};
  for (const g of groups) {
    sources[g.source] = g.items.length;
    // The generators' prompts are all fitted on, never calibrated on: their twins are easy, and a threshold set at 95 %
    // of a pool they fill would let the real (Do-Not-Answer) prompts' recall fall (dev/guard/select.mjs measured it).
    // The direct requests are split by core (id kind/side/core/frame), so no calibration prompt's core is fitted on in
    // another frame: the second pool then asks for the recall on requests the fit never saw.
    // A Do-Not-Answer prompt and its Japanese translation are one unit: both fitted on, or both calibrated on.
    const unit = g.source.startsWith("direct requests") ? (x: GuardExample): string => x.source.split("/").slice(0, 3).join("/") : (x: GuardExample): string => (x.source.endsWith(JA_TWIN) ? x.source.slice(0, -JA_TWIN.length) : x.source);
    const units = [...new Map(g.items.map((x) => [unit(x), x])).values()];
    const fitOnly = g.source.startsWith("contrast generator") || g.source.startsWith("japanese composed") || (g.source.startsWith("direct requests") && o.directPool === false);
    const hold = fitOnly ? new Set<string>() : stratifiedHoldOut(units, (x) => String(x.label), unit, o.calibFraction, rngFor(o.seed, `guard-calib-${g.source}`));
    for (const x of g.items) (hold.has(unit(x)) ? calib : fit).push(x);
  }
  return { fit, calib, sources, heldOutIds: [...held].sort((a, b) => Number(a) - Number(b)) };
}
