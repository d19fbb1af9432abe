// Language identification per document (ja / en / other) with the maintained `eld` package (Nito-ELD, n-gram
// based, 60 languages; chosen over tinyld and franc-min: see docs/data.md). Not here: what to do with the label.
//
// Only the first sampleChars characters are looked at (long documents do not need more to be identified, and
// this keeps the stage fast on novels); eld itself reads at most the first ELD_WINDOW of those. Before the model,
// the script fast path (script.ts) labels plainly Japanese, plainly English and single-language-script text
// (`fastPath`, on by default; about 20x faster where it answers). A detector instance is created per pipeline
// run (no global state).
import { scriptLanguage } from "./script.js";

export interface LangIdConfig {
  /** Languages to keep (ISO 639-1 codes as eld returns them); "other" keeps everything else. */
  readonly keep: readonly string[];
  readonly sampleChars: number;
  /** Label plainly Japanese / English / single-language-script text without the n-gram model (script.ts). */
  readonly fastPath: boolean;
}

export const LANGID_DEFAULTS: LangIdConfig = { keep: ["ja", "en"], sampleChars: 2000, fastPath: true };

/** eld reads only the first 1,000 characters of what it is given (eld 2.1 languageDetector.js detect()). The
 *  fast path reads the same window, so that both decide on the same text. */
const ELD_WINDOW = 1000;

export interface LanguageIdentifier {
  /** ISO 639-1 code, or "und" when the detector found no language. */
  detect(text: string): string;
  /** detect() of each text, in order: one call for a batch, so that a remote identifier (langid-server.ts) asks
   *  its server once per batch rather than once per document. */
  detectMany(texts: readonly string[]): string[];
}

/** Loads eld's "small" n-gram database (~0.2 s) into a fresh detector. */
export async function createLanguageIdentifier(cfg: LangIdConfig = LANGID_DEFAULTS): Promise<LanguageIdentifier> {
  // The static "small" entry holds its database preloaded; imported lazily so that merely importing the
  // pipeline costs nothing. newInstance() gives this run its own settings.
  const { eld } = await import("eld/small");
  const detector = eld.newInstance();
  const detect = (text: string): string => {
    const n = Math.min(cfg.sampleChars, ELD_WINDOW);
    const sample = text.length > n ? text.slice(0, n) : text;
    const fast = cfg.fastPath ? scriptLanguage(sample) : null;
    if (fast !== null) return fast;
    const lang = detector.detect(sample).language;
    return lang === "" ? "und" : lang;
  };
  return { detect, detectMany: (texts) => texts.map(detect) };
}

/** The keep decision for a detected language. */
export function keepLanguage(lang: string, cfg: LangIdConfig): boolean {
  return cfg.keep.includes(lang) || (cfg.keep.includes("other") && lang !== "ja" && lang !== "en");
}
