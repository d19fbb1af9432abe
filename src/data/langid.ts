// Language identification per document (ja / en / other) with the maintained `eld` package (Nito-ELD, n-gram
// based, 60 languages; chosen over tinyld and franc-min: see docs/data.md). Not here: what to do with the label.
//
// Only the first sampleChars characters are looked at (long documents do not need more to be identified, and
// this keeps the stage fast on novels). A detector instance is created per pipeline run (no global state).

export interface LangIdConfig {
  /** Languages to keep (ISO 639-1 codes as eld returns them); "other" keeps everything else. */
  readonly keep: readonly string[];
  readonly sampleChars: number;
}

export const LANGID_DEFAULTS: LangIdConfig = { keep: ["ja", "en"], sampleChars: 2000 };

export interface LanguageIdentifier {
  /** ISO 639-1 code, or "und" when the detector found no language. */
  detect(text: string): string;
}

/** Loads eld's "small" n-gram database (~0.2 s) into a fresh detector. */
export async function createLanguageIdentifier(cfg: LangIdConfig = LANGID_DEFAULTS): Promise<LanguageIdentifier> {
  // The static "small" entry holds its database preloaded; imported lazily so that merely importing the
  // pipeline costs nothing. newInstance() gives this run its own settings.
  const { eld } = await import("eld/small");
  const detector = eld.newInstance();
  return {
    detect(text: string): string {
      const sample = text.length > cfg.sampleChars ? text.slice(0, cfg.sampleChars) : text;
      const lang = detector.detect(sample).language;
      return lang === "" ? "und" : lang;
    },
  };
}

/** The keep decision for a detected language. */
export function keepLanguage(lang: string, cfg: LangIdConfig): boolean {
  return cfg.keep.includes(lang) || (cfg.keep.includes("other") && lang !== "ja" && lang !== "en");
}
