// Test fixture (imported by src/infer/constrain tests and subsequence.test.ts): a small byte-level vocabulary whose tokens split UTF-8
// characters, and a generator of random JSON Schemas of the supported subset. Not here: the tests.
import type { Tokenizer } from "../../tokenizer/index.js";
import type { Rng } from "../../util/rng.js";

/** EOS (id 0, no bytes), the 256 bytes (id b + 1), then `extra` pieces in order: a byte-level test vocabulary. */
export function bytePieceTokenizer(extra: readonly (string | Uint8Array)[]): Tokenizer {
  const enc = new TextEncoder();
  const pieces: Uint8Array[] = [new Uint8Array(0)];
  for (let b = 0; b < 256; b++) pieces.push(Uint8Array.of(b));
  for (const w of extra) pieces.push(typeof w === "string" ? enc.encode(w) : w);
  const dec = new TextDecoder();
  return {
    kind: "test bytes", vocabSize: pieces.length, special: { eos: 0 },
    encode: () => { throw new Error("not used"); },
    decode: (ids) => dec.decode(Uint8Array.from(ids.flatMap((i) => [...pieces[i]!]))),
    tokenText: (id) => dec.decode(pieces[id]!),
    tokenBytes: (id) => pieces[id]!,
    isControl: (id) => id === 0,
  };
}

/** A byte-level vocabulary: EOS (id 0, no bytes), the 256 bytes, and multi-byte pieces — JSON punctuation runs,
 *  words, and pieces that end or start inside a UTF-8 character ("名" is E5 90 8D: "\xE5\x90" and "\x8D前"). */
export function byteTokenizer(): Tokenizer {
  const words = ['{"', '":', '": ', '",', '", "', '"}', '"]', "},", "}]", "[]", "{}", "true", "false", "null", ", ", "12", "0.5", "-3", "e+", "name", "age", "tags", "ab", "abc", " the", "q\\\"", "\\n", "\\u00e9", "名前", "東京", '"名', "\u00e9t\u00e9", '1,"', "],", ":[", ':{"'];
  const mei = new TextEncoder().encode("名前");
  return bytePieceTokenizer([...words, mei.subarray(0, 2), Uint8Array.of(mei[2]!, ...mei.subarray(3)), Uint8Array.of(0x22, mei[0]!)]);
}

/** A random schema of the supported subset, nested up to `depth`. */
export function randomSchema(rng: Rng, depth: number, defs: boolean): Record<string, unknown> {
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)]!;
  const kinds = depth <= 0 ? ["string", "integer", "number", "boolean", "null", "enum", "const"] : ["string", "integer", "number", "boolean", "enum", "const", "object", "object", "array", "array", "anyOf", "typeList", ...(defs ? ["ref"] : [])];
  switch (pick(kinds)) {
    case "string": {
      const s: Record<string, unknown> = { type: "string" };
      if (rng.next() < 0.5) s.minLength = rng.int(3);
      if (rng.next() < 0.7) s.maxLength = ((s.minLength as number | undefined) ?? 0) + rng.int(6);
      return s;
    }
    case "integer": return { type: "integer" };
    case "number": return { type: "number", description: "any number" };
    case "boolean": return { type: "boolean" };
    case "null": return { type: "null" };
    case "enum": return { enum: [pick(["red", "名前", 'say "hi"']), pick([1, 2.5, -3]), null, true].slice(0, 1 + rng.int(4)) };
    case "const": return { const: pick([{ a: [1, "x"] }, "fixed", 42, ["é", null]]) };
    case "object": {
      const names = ["name", "age", "名前", "q\"uote", "tags", "x"].filter(() => rng.next() < 0.5);
      const properties: Record<string, unknown> = {};
      for (const n of names) properties[n] = randomSchema(rng, depth - 1, defs);
      const s: Record<string, unknown> = { type: "object", properties, required: names.filter(() => rng.next() < 0.6) };
      if (rng.next() < 0.5) s.additionalProperties = false;
      return s;
    }
    case "array": {
      const s: Record<string, unknown> = { type: "array", items: randomSchema(rng, depth - 1, defs) };
      if (rng.next() < 0.5) s.minItems = rng.int(3);
      s.maxItems = ((s.minItems as number | undefined) ?? 0) + rng.int(3);
      return s;
    }
    case "anyOf": return { [pick(["anyOf", "oneOf"])]: [{ type: "integer" }, { type: "object", properties: { k: randomSchema(rng, depth - 1, defs) }, required: ["k"] }] };
    case "typeList": return { type: pick([["string", "null"], ["integer", "boolean"], ["number", "null", "array"]]), maxLength: 4, maxItems: 2, items: { type: "null" } };
    default: return { $ref: "#/$defs/item" };
  }
}
