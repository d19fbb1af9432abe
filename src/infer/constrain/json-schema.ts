// JSON Schema → GBNF (the subset structured outputs use, as OpenAI's strict mode and llama.cpp's
// json-schema-to-grammar do): type (object, array, string, number, integer, boolean, null, or a list), properties +
// required, enum, const, anyOf / oneOf, items, minItems / maxItems, minLength / maxLength, local $ref into $defs /
// definitions. Every keyword that would constrain values beyond this (pattern, format, minimum, …) is an error
// naming it, so a grammar never promises more than it checks. The JSON written is compact (one optional space after
// ":" and ","); numbers are bounded (16 integer digits, 15 fraction digits, 2 exponent digits) so that every one
// parses to a finite double. Properties come in the schema's order; properties the schema does not name are never
// written (valid under any additionalProperties). oneOf is generated as anyOf: branches that overlap can yield a
// value matching two of them. Not here: parsing GBNF (gbnf.ts), masks (mask.ts).
import { KotodamaError } from "../../util/errors.js";

/** Shared rules: a generic JSON value and its parts. */
const BASE = `ws ::= " "?
value ::= object | array | string | number | "true" | "false" | "null"
object ::= "{" ( string ":" ws value ( "," ws string ":" ws value )* )? "}"
array ::= "[" ( value ( "," ws value )* )? "]"
string ::= "\\"" char* "\\""
char ::= [^"\\\\\\x00-\\x1F] | "\\\\" ( ["\\\\/bfnrt] | "u" hex4 )
hex4 ::= [0-9a-cA-CeEfF] hex hex hex | [dD] [0-7] hex hex
hex ::= [0-9a-fA-F]
integer ::= "-"? ( "0" | [1-9] [0-9]{0,15} )
number ::= integer ( "." [0-9]{1,15} )? ( [eE] [-+]? [0-9]{1,2} )?
boolean ::= "true" | "false"
null ::= "null"
`;

/** Keywords that change nothing about which values are valid (annotations) or that this file handles elsewhere. */
const ANNOTATIONS = new Set(["title", "description", "$schema", "$id", "$comment", "default", "examples", "deprecated", "readOnly", "writeOnly", "$defs", "definitions"]);
const HANDLED = new Set(["type", "properties", "required", "additionalProperties", "enum", "const", "anyOf", "oneOf", "allOf", "items", "minItems", "maxItems", "minLength", "maxLength", "$ref"]);
/** Most items or characters a bounded repetition may ask for (the grammar unrolls it). */
const MAX_BOUND = 1000;

type Schema = Record<string, unknown>;
const isObj = (v: unknown): v is Schema => typeof v === "object" && v !== null && !Array.isArray(v);

/** A GBNF string literal for `text`. */
export function gbnfLiteral(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t")}"`;
}

class Builder {
  private readonly rules: string[] = [];
  private readonly refs = new Map<string, string>();
  private n = 0;

  constructor(
    private readonly root: unknown,
    private readonly where: string,
  ) {}

  private fail(path: string, msg: string): never {
    throw new KotodamaError(`${this.where}: at ${path === "" ? "the root" : path}: ${msg}`);
  }

  private rule(base: string, body: string): string {
    const name = `${base}-${++this.n}`;
    this.rules.push(`${name} ::= ${body}`);
    return name;
  }

  private int(s: Schema, key: string, path: string): number | null {
    const v = s[key];
    if (v === undefined) return null;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) this.fail(`${path}/${key}`, `expects a non-negative integer, got ${JSON.stringify(v)}`);
    return v;
  }

  /** `item` repeated min..max times (max null: unbounded), separated by `sep`. */
  private list(item: string, sep: string, min: number, max: number | null, path: string, what: string): string {
    if (max !== null && max < min) this.fail(path, `${what}: the maximum ${max} is below the minimum ${min}`);
    if (Math.max(min, max ?? 0) > MAX_BOUND) this.fail(path, `${what} above ${MAX_BOUND} is not supported (the grammar unrolls bounded repetition)`);
    if (max === 0) return "";
    const more = (lo: number, hi: number | null): string => (hi === null ? `( ${sep} ${item} ){${lo},}` : hi === 0 && lo === 0 ? "" : `( ${sep} ${item} ){${lo},${hi}}`);
    const body = `${item} ${more(Math.max(0, min - 1), max === null ? null : max - 1)}`;
    return min === 0 ? `( ${body} )?` : body;
  }

  private resolveRef(ref: string, path: string): { schema: unknown; key: string } {
    if (!ref.startsWith("#")) this.fail(`${path}/$ref`, `only local references (#/$defs/NAME) are supported, got ${JSON.stringify(ref)}`);
    let cur: unknown = this.root;
    const parts = ref.slice(1).split("/").filter((p) => p !== "").map((p) => decodeURIComponent(p).replace(/~1/g, "/").replace(/~0/g, "~"));
    for (const p of parts) {
      if (!isObj(cur) || !(p in cur)) this.fail(`${path}/$ref`, `${JSON.stringify(ref)} does not resolve (no ${JSON.stringify(p)})`);
      cur = cur[p];
    }
    return { schema: cur, key: ref };
  }

  /** A GBNF expression for values valid under `schema`. */
  visit(schema: unknown, path: string): string {
    if (schema === true) return "value";
    if (schema === false) this.fail(path, "the schema false admits no value");
    if (!isObj(schema)) this.fail(path, `expects a schema object or a boolean, got ${JSON.stringify(schema)}`);
    for (const k of Object.keys(schema)) {
      if (!ANNOTATIONS.has(k) && !HANDLED.has(k)) this.fail(`${path}/${k}`, `the keyword ${JSON.stringify(k)} is not supported by constrained decoding (supported: ${[...HANDLED].join(", ")})`);
    }
    if (typeof schema.$ref === "string") {
      const others = Object.keys(schema).filter((k) => k !== "$ref" && !ANNOTATIONS.has(k));
      if (others.length > 0) this.fail(path, `$ref beside other keywords (${others.join(", ")}) is not supported`);
      const { schema: target, key } = this.resolveRef(schema.$ref, path);
      let name = this.refs.get(key);
      if (name === undefined) {
        name = `ref-${++this.n}`;
        this.refs.set(key, name);
        this.rules.push(`${name} ::= ${this.visit(target, key.slice(1))}`);
      }
      return name;
    } else if (schema.$ref !== undefined) this.fail(`${path}/$ref`, "expects a string");
    if ("const" in schema) return gbnfLiteral(JSON.stringify(schema.const));
    if (schema.enum !== undefined) {
      if (!Array.isArray(schema.enum) || schema.enum.length === 0) this.fail(`${path}/enum`, "expects a non-empty array");
      return `( ${schema.enum.map((v) => gbnfLiteral(JSON.stringify(v))).join(" | ")} )`;
    }
    for (const key of ["anyOf", "oneOf"] as const) {
      const list = schema[key];
      if (list === undefined) continue;
      if (!Array.isArray(list) || list.length === 0) this.fail(`${path}/${key}`, "expects a non-empty array of schemas");
      const rest = Object.keys(schema).filter((k) => k !== key && !ANNOTATIONS.has(k));
      if (rest.length > 0) this.fail(path, `${key} beside other keywords (${rest.join(", ")}) is not supported; move them into each branch`);
      return this.rule(key.toLowerCase(), list.map((s, i) => this.visit(s, `${path}/${key}/${i}`)).join(" | "));
    }
    if (schema.allOf !== undefined) {
      const list = schema.allOf;
      if (!Array.isArray(list) || list.length !== 1) this.fail(`${path}/allOf`, "only allOf with a single schema is supported");
      return this.visit(list[0], `${path}/allOf/0`);
    }
    let type = schema.type;
    if (type === undefined) {
      if (schema.properties !== undefined || schema.required !== undefined) type = "object";
      else if (schema.items !== undefined || schema.minItems !== undefined || schema.maxItems !== undefined) type = "array";
      else if (schema.minLength !== undefined || schema.maxLength !== undefined) type = "string";
      else return "value";
    }
    if (Array.isArray(type)) {
      if (type.length === 0) this.fail(`${path}/type`, "expects a type or a non-empty list of types");
      return this.rule("types", type.map((t) => this.visitType(schema, t, path)).join(" | "));
    }
    return this.visitType(schema, type, path);
  }

  private visitType(s: Schema, type: unknown, path: string): string {
    switch (type) {
      case "null": return "null";
      case "boolean": return "boolean";
      case "integer": return "integer";
      case "number": return "number";
      case "string": {
        const min = this.int(s, "minLength", path) ?? 0, max = this.int(s, "maxLength", path);
        if (min === 0 && max === null) return "string";
        if (max !== null && max < min) this.fail(path, `maxLength ${max} is below minLength ${min}`);
        if (Math.max(min, max ?? 0) > MAX_BOUND) this.fail(path, `string lengths above ${MAX_BOUND} are not supported (the grammar unrolls bounded repetition)`);
        return this.rule("string", `"\\"" char{${min},${max ?? ""}} "\\""`);
      }
      case "array": {
        const item = s.items === undefined ? "value" : this.visit(s.items, `${path}/items`);
        const min = this.int(s, "minItems", path) ?? 0, max = this.int(s, "maxItems", path);
        return this.rule("array", `"[" ${this.list(item, '"," ws', min, max, path, "minItems/maxItems")} "]"`);
      }
      case "object": return this.object(s, path);
      default:
        this.fail(`${path}/type`, `expects one of object, array, string, number, integer, boolean, null, got ${JSON.stringify(type)}`);
    }
  }

  private object(s: Schema, path: string): string {
    const props = s.properties ?? {};
    if (!isObj(props)) this.fail(`${path}/properties`, "expects an object of schemas");
    const required = s.required ?? [];
    if (!Array.isArray(required) || !required.every((r) => typeof r === "string")) this.fail(`${path}/required`, "expects an array of property names");
    const ap = s.additionalProperties;
    if (ap !== undefined && typeof ap !== "boolean" && !isObj(ap)) this.fail(`${path}/additionalProperties`, "expects a boolean or a schema");
    const entries: [string, unknown][] = Object.entries(props);
    for (const r of required) if (!(r in props)) entries.push([r, true]);
    if (entries.length === 0) return ap === false ? '"{" "}"' : "object";
    const req = new Set(required as string[]);
    const kv = entries.map(([k, v]) => `${gbnfLiteral(JSON.stringify(k))} ":" ws ${this.visit(v, `${path}/properties/${k}`)}`);
    // props(i, first): the properties from i on, `first` when no comma is due. Optional ones may be skipped.
    const memo = new Map<string, string>();
    const tail = (i: number, first: boolean): string => {
      if (i === entries.length) return "";
      const key = `${i}:${first}`;
      const hit = memo.get(key);
      if (hit !== undefined) return hit;
      const take = `${first ? "" : '"," ws '}${kv[i]!} ${tail(i + 1, false)}`;
      const name = req.has(entries[i]![0]) ? this.rule("props", take) : this.rule("props", `${take} | ${tail(i + 1, first) || '""'}`);
      memo.set(key, name);
      return name;
    };
    return this.rule("object", `"{" ${tail(0, true)} "}"`);
  }

  text(rootExpr: string): string {
    return `root ::= ${rootExpr}\n${this.rules.join("\n")}\n${BASE}`;
  }
}

/** GBNF text for the values valid under a JSON Schema. `where` names the schema in errors (a file, a field). */
export function jsonSchemaToGbnf(schema: unknown, where = "JSON schema"): string {
  const b = new Builder(schema, where);
  const root = b.visit(schema, "");
  return b.text(root);
}

/** GBNF text for any JSON object (response_format {"type": "json_object"}). */
export function jsonObjectGbnf(): string {
  return `root ::= object\n${BASE}`;
}
