// tokenizer.json with model.type "Unigram" (T5, ALBERT, XLNet, mBART) → a Unigram tokenizer: the [piece, score]
// list, unk_id, byte_fallback, the normalizer chain and the Metaspace / WhitespaceSplit pre-tokenizers, every count
// and id bounded before anything is allocated. Not here: the algorithm (unigram.ts); BPE/WordPiece files (hf-json.ts).

import { FormatError } from "../util/errors.js";
import type { AddedToken } from "./special.js";
import type { SpecialTokens } from "./tokenizer.js";
import { Unigram, type MetaspaceSpec } from "./unigram.js";

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);

/** A component or a Sequence of components, as a flat list. */
function flatten(x: unknown, key: string): Obj[] {
  if (!isObj(x)) return [];
  if (x.type === "Sequence" && Array.isArray(x[key])) return (x[key] as unknown[]).filter(isObj).flatMap((y) => flatten(y, key));
  return [x];
}

/** The pieces and scores of model.vocab, with added tokens past its end appended (their score: 0, never used). */
export function unigramVocab(model: Obj, added: readonly AddedToken[], file: string): { vocab: string[]; scores: Float64Array } {
  const raw = model.vocab;
  if (!Array.isArray(raw)) throw new FormatError(file, "tokenizer.json: Unigram model.vocab is missing or not an array of [piece, score]");
  const n0 = raw.length;
  const limit = n0 + added.length; // ids at or above this would leave a gap: rejected before allocating
  let n = n0;
  added.forEach((a, i) => {
    if (a.id >= limit) throw new FormatError(file, `tokenizer.json: added_tokens[${i}].id = ${a.id} is beyond the ${limit} tokens the file defines (ids must be 0..n-1 without gaps)`);
    n = Math.max(n, a.id + 1);
  });
  const vocab = new Array<string | undefined>(n).fill(undefined);
  const scores = new Float64Array(n);
  raw.forEach((e: unknown, i) => {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== "string" || typeof e[1] !== "number" || !Number.isFinite(e[1])) {
      throw new FormatError(file, `tokenizer.json: model.vocab[${i}] = ${JSON.stringify(e)?.slice(0, 80)} is not [piece, finite score]`);
    }
    vocab[i] = e[0];
    scores[i] = e[1];
  });
  for (const a of added) {
    if (a.id < n0 && vocab[a.id] !== a.text) throw new FormatError(file, `tokenizer.json: added token '${a.text}' has id ${a.id}, which model.vocab gives to '${vocab[a.id]}'`);
    vocab[a.id] = a.text;
  }
  const hole = vocab.findIndex((t) => t === undefined);
  if (hole >= 0) throw new FormatError(file, `tokenizer.json: no token has id ${hole} (ids must be 0..${n - 1} without gaps)`);
  return { vocab: vocab as string[], scores };
}

/** The normalizer chain as one function. Precompiled (a sentencepiece charsmap) is accepted only when empty. */
export function normalizerChain(x: unknown, file: string): (s: string) => string {
  const steps: ((s: string) => string)[] = [];
  for (const n of flatten(x, "normalizers")) {
    switch (n.type) {
      case "NFC":
      case "NFD":
      case "NFKC":
      case "NFKD": {
        const form = n.type;
        steps.push((s) => s.normalize(form));
        break;
      }
      case "Lowercase":
        steps.push((s) => s.toLowerCase());
        break;
      case "Strip": {
        const l = n.left !== false;
        const r = n.right !== false;
        // Hugging Face strips char::is_whitespace, the Unicode White_Space property.
        steps.push((s) => s.replace(l ? /^[\p{White_Space}]+/u : /$^/u, "").replace(r ? /[\p{White_Space}]+$/u : /$^/u, ""));
        break;
      }
      case "Prepend": {
        if (typeof n.prepend !== "string") throw new FormatError(file, "tokenizer.json: normalizer Prepend needs a string 'prepend'");
        const p = n.prepend;
        steps.push((s) => (s.length > 0 ? p + s : s));
        break;
      }
      case "Replace": {
        const pat = n.pattern;
        const content = n.content;
        if (!isObj(pat) || typeof content !== "string") throw new FormatError(file, "tokenizer.json: normalizer Replace needs pattern {String|Regex} and a string content");
        if (typeof pat.String === "string") {
          const from = pat.String;
          steps.push((s) => (from.length > 0 ? s.replaceAll(from, content) : s));
        } else if (typeof pat.Regex === "string") {
          let re: RegExp;
          try {
            re = new RegExp(pat.Regex, "gu");
          } catch (e) {
            throw new FormatError(file, `tokenizer.json: normalizer Replace regex does not compile in JS (${(e as Error).message})`);
          }
          steps.push((s) => s.replace(re, () => content));
        } else throw new FormatError(file, "tokenizer.json: normalizer Replace pattern must be {String} or {Regex}");
        break;
      }
      case "Precompiled": {
        const map = n.precompiled_charsmap;
        if (map === null || map === undefined || map === "") break;
        throw new FormatError(file, "tokenizer.json: normalizer Precompiled (a sentencepiece charsmap) is not supported yet");
      }
      default:
        throw new FormatError(file, `tokenizer.json: normalizer '${String(n.type)}' is not supported with Unigram (expected NFC/NFD/NFKC/NFKD, Lowercase, Strip, Prepend, Replace)`);
    }
  }
  return (s) => steps.reduce((acc, f) => f(acc), s);
}

/** Metaspace (optionally after WhitespaceSplit) or no pre-tokenizer. */
function metaspaceOf(x: unknown, file: string): MetaspaceSpec | null {
  const pre = flatten(x, "pretokenizers");
  let ws = false;
  let ms: MetaspaceSpec | null = null;
  for (const p of pre) {
    if (p.type === "WhitespaceSplit") ws = true;
    else if (p.type === "Metaspace") {
      const replacement = typeof p.replacement === "string" ? p.replacement : "\u2581";
      if (Array.from(replacement).length !== 1) throw new FormatError(file, "tokenizer.json: Metaspace replacement must be one character");
      const scheme = p.prepend_scheme ?? (p.add_prefix_space === false ? "never" : "always");
      if (scheme !== "always" && scheme !== "first" && scheme !== "never") throw new FormatError(file, `tokenizer.json: Metaspace prepend_scheme '${String(scheme)}' (expected always, first, never)`);
      ms = { replacement, prependScheme: scheme, split: p.split !== false, whitespaceSplit: ws };
    } else throw new FormatError(file, `tokenizer.json: pre_tokenizer '${String(p.type)}' is not supported with Unigram (expected Metaspace, WhitespaceSplit)`);
  }
  if (ws && ms === null) throw new FormatError(file, "tokenizer.json: WhitespaceSplit without Metaspace is not supported with Unigram");
  return ms;
}

export function unigramFromHfJson(root: Obj, model: Obj, added: readonly AddedToken[], special: SpecialTokens, addBos: boolean, file: string): Unigram {
  const { vocab, scores } = unigramVocab(model, added, file);
  const unk = model.unk_id;
  if (unk !== null && unk !== undefined && (typeof unk !== "number" || !Number.isInteger(unk) || unk < 0 || unk >= vocab.length)) {
    throw new FormatError(file, `tokenizer.json: model.unk_id = ${JSON.stringify(unk)} is not a token id of this vocabulary (${vocab.length} tokens)`);
  }
  const unkId = typeof unk === "number" ? unk : undefined;
  const sp: { bos?: number; eos?: number; unk?: number; pad?: number } = { ...special };
  if (unkId !== undefined) sp.unk = unkId;
  return new Unigram({
    source: file,
    vocab,
    scores,
    unkId,
    byteFallback: model.byte_fallback === true,
    added,
    special: sp,
    addBos,
    normalize: normalizerChain(root.normalizer, file),
    metaspace: metaspaceOf(root.pre_tokenizer, file),
  });
}
