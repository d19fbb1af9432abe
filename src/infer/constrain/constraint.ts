// A grammar constraint on one generation: a LogitsHook (infer/generate.ts) that follows the tokens generated so
// far and sets the logits of every token the grammar does not allow next to −∞; end-of-sequence tokens are allowed
// only where the grammar may end. Plus the ways to get a grammar: GBNF text or a file, a JSON Schema, any JSON
// object; and a per-process cache of tries and compiled grammars (the server's worker keeps one).
// Not here: the grammar engine (gbnf.ts, recognizer.ts, mask.ts, json-schema.ts), sampling (sampler.ts).
import { readFileSync } from "node:fs";
import type { Tokenizer } from "../../tokenizer/index.js";
import { KotodamaError } from "../../util/errors.js";
import type { AllowsHook, GenerateHooks, LogitsHook } from "../generate.js";
import { parseGbnf } from "./gbnf.js";
import { jsonObjectGbnf, jsonSchemaToGbnf } from "./json-schema.js";
import { GrammarMasker, type WalkState } from "./mask.js";
import { Recognizer } from "./recognizer.js";
import { buildTokenTrie, type TokenTrie } from "./token-trie.js";

/** What to constrain the output to (the CLI's --grammar / --json-schema, the server's response_format). */
export type ConstraintSpec =
  | { readonly kind: "gbnf"; readonly text: string; readonly source: string }
  | { readonly kind: "json-schema"; readonly schema: unknown; readonly source: string }
  | { readonly kind: "json-object" };

/** The GBNF text of a spec (a JSON Schema compiled; errors name the source and the keyword). */
export function specGbnf(spec: ConstraintSpec): { text: string; source: string } {
  if (spec.kind === "gbnf") return { text: spec.text, source: spec.source };
  if (spec.kind === "json-object") return { text: jsonObjectGbnf(), source: "json_object" };
  return { text: jsonSchemaToGbnf(spec.schema, spec.source), source: spec.source };
}

/** Checks a spec compiles (schema → GBNF → grammar); throws KotodamaError naming what is wrong. */
export function checkSpec(spec: ConstraintSpec): void {
  const g = specGbnf(spec);
  parseGbnf(g.text, g.source);
}

/** A spec from a file: GBNF (`--grammar`) or a JSON Schema (`--json-schema`). */
export function readConstraintFile(kind: "gbnf" | "json-schema", path: string): ConstraintSpec {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new KotodamaError(`${path}: cannot read the ${kind === "gbnf" ? "grammar" : "JSON schema"} (${(e as Error).message})`);
  }
  if (kind === "gbnf") return { kind, text, source: path };
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (e) {
    throw new KotodamaError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return { kind, schema, source: path };
}

/** Tries per tokenizer and maskers (with their mask caches) per grammar text: build once, reuse per generation.
 *  `maxGrammars` bounds the grammars kept (least recently used dropped). */
export class ConstraintCache {
  private readonly tries = new WeakMap<Tokenizer, TokenTrie>();
  private readonly maskers = new Map<string, { tok: Tokenizer; masker: GrammarMasker }>();

  /** `precomputeMs` > 0: each new grammar's reachable cut-stack masks are computed when it is compiled, for up to
   *  that many ms (GrammarMasker.precompute), so that its first generations meet no cold state. */
  constructor(
    private readonly maxGrammars = 32,
    private readonly precomputeMs = 0,
  ) {}

  trie(tok: Tokenizer): TokenTrie {
    let t = this.tries.get(tok);
    if (t === undefined) {
      t = buildTokenTrie(tok);
      this.tries.set(tok, t);
    }
    return t;
  }

  masker(tok: Tokenizer, spec: ConstraintSpec): GrammarMasker {
    const g = specGbnf(spec);
    const hit = this.maskers.get(g.text);
    if (hit !== undefined && hit.tok === tok) {
      this.maskers.delete(g.text);
      this.maskers.set(g.text, hit);
      return hit.masker;
    }
    const masker = new GrammarMasker(new Recognizer(parseGbnf(g.text, g.source)), this.trie(tok));
    if (this.precomputeMs > 0) masker.precompute(this.precomputeMs);
    this.maskers.set(g.text, { tok, masker });
    while (this.maskers.size > this.maxGrammars) this.maskers.delete(this.maskers.keys().next().value!);
    return masker;
  }
}

export interface GrammarConstraint {
  readonly hook: LogitsHook;
  /** One token checked against the grammar (generate's greedy fast path). */
  readonly allows: AllowsHook;
  /** Both, as generate takes them. */
  readonly hooks: GenerateHooks;
  /** Whether `generated` (all ids generated, as the hook sees them) is a complete sentence of the grammar. */
  complete(generated: readonly number[]): boolean;
}

/** The constraint for one generation. `endIds`: the tokens that end it (EOS, a chat's end-of-turn tokens). */
export function grammarConstraint(masker: GrammarMasker, endIds: ReadonlySet<number>): GrammarConstraint {
  let state: WalkState = masker.start();
  let consumed = 0;
  const bits = new Uint32Array(masker.words);
  const V = masker.trie.vocabSize;
  const sync = (generated: readonly number[]): void => {
    for (; consumed < generated.length; consumed++) state = masker.push(state, generated[consumed]!);
  };
  const hook: LogitsHook = (logits, generated) => {
    sync(generated);
    masker.mask(state, bits);
    const end = masker.accepts(state);
    // Word by word: a full word of allowed tokens is skipped, an empty one filled; ids at or past V (a model's
    // padded vocabulary) have no bit and are refused. End tokens are put back afterwards where the grammar may end.
    const kept = end ? [...endIds].filter((id) => id < logits.length).map((id) => [id, logits[id]!] as const) : [];
    let allowed = 0;
    const n = logits.length;
    for (let base = 0, w = 0; base < n; base += 32, w++) {
      const m = w < bits.length ? bits[w]! : 0;
      const lim = Math.min(32, n - base);
      if (m === 0) logits.fill(-Infinity, base, base + lim);
      else if (m === 0xffffffff && lim === 32) allowed += 32;
      else {
        for (let j = 0; j < lim; j++) {
          if ((m >>> j) & 1) allowed++;
          else logits[base + j] = -Infinity;
        }
      }
    }
    for (const [id, x] of kept) {
      if (id >= V || ((bits[id >>> 5]! >>> (id & 31)) & 1) === 0) allowed++;
      logits[id] = x;
    }
    if (allowed === 0) {
      throw new KotodamaError(end
        ? "grammar: the output is complete but the model has no end-of-sequence token to stop with"
        : "grammar: no token of the vocabulary can continue the output here (the grammar needs characters the vocabulary cannot spell)");
    }
  };
  const allows: AllowsHook = (id, generated) => {
    sync(generated);
    if (endIds.has(id)) return masker.accepts(state);
    return masker.stepToken(state, id) !== null;
  };
  return {
    hook,
    allows,
    hooks: { logits: hook, allows },
    complete: (generated) => {
      sync(generated);
      return masker.accepts(state);
    },
  };
}
