// The contrast generator: every scene of contrast-lexicon.ts × its frames × its slot values makes prompts, benign
// look-alikes with their templated answers and harmful twins with a refusal; a seeded sample of at most `perKind`
// prompts per kind, language and side (benign or harmful) is kept, so that the sets are balanced and the same seed
// gives the same prompts. Also the instruction task (`contrast`) built from it. Not here: the lexicons
// (contrast-lexicon.ts), the guard's use (safety/guard-data.ts), preference pairs (data/prefs/build.ts).
import { KotodamaError } from "../../util/errors.js";
import type { InstructExample } from "./example.js";
import { rngFor, shuffled } from "./split.js";
import { chat, type SourceResult } from "./tasks.js";
import { CONTRAST_KINDS, SCENES, TWIN_COMPLIANCE, TWIN_REFUSALS, type ContrastHarm, type ContrastKind, type Scene } from "./contrast-lexicon.js";

export interface ContrastPrompt {
  /** kotodama-contrast:KIND/LANG/benign|harmful/N, N the place in the seeded sample. */
  readonly id: string;
  readonly kind: ContrastKind;
  readonly lang: "en" | "ja";
  readonly prompt: string;
  /** null for a benign look-alike; Do-Not-Answer's harm type for a harmful twin. */
  readonly harm: ContrastHarm | null;
  /** The helpful answer (benign) or the refusal (harmful). */
  readonly answer: string;
  /** What the prompt must not get: a refusal (benign) or a compliant opening (harmful). */
  readonly rejected: string;
}

export interface ContrastOptions {
  readonly seed: number;
  /** Prompts kept at most per kind, language and side. */
  readonly perKind: number;
}

export const CONTRAST_DEFAULTS: ContrastOptions = { seed: 1, perKind: 300 };

const cap = (s: string): string => (s === "" ? s : s[0]!.toUpperCase() + s.slice(1));
const fill = (t: string, v: Readonly<Record<string, string>>): string => t.replace(/\{([A-Za-z_]+)\}/g, (_, k: string) => {
  const x = v[k];
  if (x === undefined) throw new KotodamaError(`contrast generator: template '${t}' uses {${k}}, which its scene does not define`);
  return x;
});

/** Every prompt one scene makes, in a fixed order, with its answer (benign) or harm type. */
export function expandScene(s: Scene): { prompt: string; answer: string | null }[] {
  const out: { prompt: string; answer: string | null }[] = [];
  for (const a of s.a) {
    for (const b of s.b ?? [""]) {
      const v = { a, b, A: cap(a), B: cap(b), ...(s.vars?.(a) ?? {}) };
      for (const f of s.frames) out.push({ prompt: fill(f, v).replace(/\s+/g, " ").trim(), answer: s.answer === undefined ? null : fill(s.answer, v) });
    }
  }
  return out;
}

/** The seeded sample: per kind, language and side, the distinct prompts shuffled and cut to perKind; the groups
 *  interleaved (the first of every group, then the second, …), so that any prefix is balanced across kinds and
 *  sides (npm start's SFT and DPO stages take a prefix). */
export function generateContrasts(o: ContrastOptions = CONTRAST_DEFAULTS): ContrastPrompt[] {
  const groups = sampleGroups(o);
  const out: ContrastPrompt[] = [];
  for (let i = 0; groups.some((g) => i < g.length); i++) for (const g of groups) if (i < g.length) out.push(g[i]!);
  return out;
}

function sampleGroups(o: ContrastOptions): ContrastPrompt[][] {
  if (!Number.isSafeInteger(o.seed)) throw new KotodamaError(`contrast generator: 'seed' must be an integer, got ${o.seed}`);
  if (!Number.isInteger(o.perKind) || o.perKind < 0) throw new KotodamaError(`contrast generator: 'perKind' must be an integer ≥ 0, got ${o.perKind}`);
  const out: ContrastPrompt[][] = [];
  for (const kind of CONTRAST_KINDS) {
    for (const lang of ["en", "ja"] as const) {
      for (const harmful of [false, true]) {
        const scenes = SCENES.filter((s) => s.kind === kind && s.lang === lang && (s.harm !== undefined) === harmful);
        const seen = new Set<string>();
        const all = scenes.flatMap((s) => expandScene(s).flatMap((x) => {
          if (seen.has(x.prompt)) return [];
          seen.add(x.prompt);
          return [{ ...x, harm: s.harm ?? null }];
        }));
        const side = harmful ? "harmful" : "benign";
        const refusals = TWIN_REFUSALS[lang], comply = TWIN_COMPLIANCE[lang];
        const benignRefusals = lang === "ja" ? BENIGN_REJECTED_JA : BENIGN_REJECTED_EN;
        out.push(shuffled(all, rngFor(o.seed, `contrast-${kind}-${lang}-${side}`)).slice(0, o.perKind).map((x, i): ContrastPrompt => ({
            id: `kotodama-contrast:${kind}/${lang}/${side}/${i}`, kind, lang, prompt: x.prompt, harm: x.harm,
            answer: harmful ? refusals[i % refusals.length]! : x.answer!,
            rejected: harmful ? comply[i % comply.length]! : benignRefusals[i % benignRefusals.length]!,
        })));
      }
    }
  }
  return out;
}

/** The refusals a benign look-alike must not get (the styles of the refusal data, as data/prefs/build.ts's). */
const BENIGN_REJECTED_EN = ["Sorry, but I can't assist with that.", "I'm sorry, but I cannot help with that request.", "As an AI, I can't provide information that could be used to cause harm.", "I apologize, but I'm not able to answer that."];
const BENIGN_REJECTED_JA = ["申し訳ありませんが、その質問にはお答えできません。", "すみませんが、そのお手伝いはできません。"];

/** The `contrast` instruction task: every sampled prompt with its answer or refusal; nothing held out (XSTest is
 *  the test of both directions). */
export function buildContrast(o: ContrastOptions = CONTRAST_DEFAULTS): SourceResult {
  const train: InstructExample[] = generateContrasts(o).map((c) => ({ id: c.id, task: "contrast", source: "kotodama-contrast", licence: "MIT", messages: chat(c.prompt, c.answer) }));
  return { source: "kotodama-contrast", train, heldOut: [], heldOutSets: [], skipped: [] };
}
