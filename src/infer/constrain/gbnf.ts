// A GBNF grammar (llama.cpp's grammar format, grammars/README.md there) parsed into a flat, compiled form: rules of
// alternatives of sequences of character classes and rule references. Literals, groups and the repetitions * + ?
// {m} {m,} {m,n} are desugared into extra rules as llama.cpp's parser does; left recursion (which a top-down
// recognizer cannot run) is rejected at compile time naming the rule. Errors name the file, line and column.
// Not here: recognizing text (recognizer.ts), token masks (mask.ts), JSON Schema (json-schema.ts).
import { KotodamaError } from "../../util/errors.js";

/** Element kinds of the flat element array. */
export const END = 0, CHAR = 1, REF = 2;

/** A compiled grammar. Element p is kinds[p] with, for CHAR, the code point ranges ranges[p] (sorted, disjoint,
 *  inclusive pairs) and, for REF, the rule refs[p]. Each alternative of a rule is a run of elements ending with END;
 *  alts[r] lists the first element of each alternative of rule r. */
export interface Grammar {
  readonly kinds: Uint8Array;
  readonly refs: Int32Array;
  readonly ranges: readonly (Int32Array | null)[];
  readonly alts: readonly (readonly number[])[];
  readonly ruleNames: readonly string[];
  readonly root: number;
}

const MAX_CP = 0x10ffff;
/** Repetition counts above this are an error (each repeat is an element; {0,100000} would build 100k rules). */
const MAX_REPEAT = 1000;

type Item = { t: "char"; ranges: number[] } | { t: "ref"; name: string; line: number; col: number };
type Seq = Item[];

/** Sorts and merges inclusive [lo, hi] pairs; `negate` takes the complement within [0, MAX_CP]. */
function normalize(pairs: number[], negate: boolean): number[] {
  const list: [number, number][] = [];
  for (let i = 0; i < pairs.length; i += 2) list.push([pairs[i]!, pairs[i + 1]!]);
  list.sort((a, b) => a[0] - b[0]);
  const merged: number[] = [];
  for (const [lo, hi] of list) {
    const n = merged.length;
    if (n > 0 && lo <= merged[n - 1]! + 1) merged[n - 1] = Math.max(merged[n - 1]!, hi);
    else merged.push(lo, hi);
  }
  if (!negate) return merged;
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < merged.length; i += 2) {
    if (merged[i]! > next) out.push(next, merged[i]! - 1);
    next = merged[i + 1]! + 1;
  }
  if (next <= MAX_CP) out.push(next, MAX_CP);
  return out;
}

class Parser {
  private i = 0;
  private readonly rules = new Map<string, Seq[]>();
  private readonly defined = new Map<string, { line: number; col: number }>();
  private fresh = 0;

  constructor(
    private readonly src: string,
    private readonly file: string,
  ) {}

  private where(at = this.i): string {
    const before = this.src.slice(0, at);
    const line = before.split("\n").length;
    const col = at - before.lastIndexOf("\n");
    return `${this.file}:${line}:${col}`;
  }

  private fail(msg: string, at = this.i): never {
    throw new KotodamaError(`${this.where(at)}: ${msg}`);
  }

  private lineCol(at: number): { line: number; col: number } {
    const before = this.src.slice(0, at);
    return { line: before.split("\n").length, col: at - before.lastIndexOf("\n") };
  }

  /** Skips spaces and comments; newlines too when `newlines` (inside parentheses, after | and ::=). */
  private space(newlines: boolean): void {
    const s = this.src;
    while (this.i < s.length) {
      const c = s[this.i]!;
      if (c === "#") while (this.i < s.length && s[this.i] !== "\n") this.i++;
      else if (c === " " || c === "\t" || c === "\r" || (newlines && c === "\n")) this.i++;
      else break;
    }
  }

  private name(): string {
    const m = /^[a-zA-Z0-9_-]+/.exec(this.src.slice(this.i, this.i + 256));
    if (m === null) this.fail(`expected a rule name, got ${JSON.stringify(this.src.slice(this.i, this.i + 10))}`);
    this.i += m[0].length;
    return m[0];
  }

  /** One (possibly escaped) character of a literal or class; returns its code point. */
  private char(): number {
    const s = this.src;
    if (this.i >= s.length) this.fail("unexpected end of grammar inside a literal or character class");
    const c = s.codePointAt(this.i)!;
    if (c === 0x5c) {
      const e = s[this.i + 1];
      const hex = (n: number): number => {
        const h = s.slice(this.i + 2, this.i + 2 + n);
        if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) this.fail(`expected ${n} hex digits after \\${e}`);
        this.i += 2 + n;
        const v = parseInt(h, 16);
        if (v > MAX_CP) this.fail(`code point ${h} is beyond U+10FFFF`, this.i - 2 - n);
        return v;
      };
      switch (e) {
        case "x": return hex(2);
        case "u": return hex(4);
        case "U": return hex(8);
        case "n": this.i += 2; return 10;
        case "r": this.i += 2; return 13;
        case "t": this.i += 2; return 9;
        case "\\": case '"': case "[": case "]": case "-": case "^":
          this.i += 2;
          return e.codePointAt(0)!;
        default:
          this.fail(`unknown escape \\${e ?? ""} (expected \\x.. \\u.... \\U........ \\n \\r \\t \\\\ \\" \\[ \\] \\- \\^)`);
      }
    }
    if (c === 0x0a) this.fail("newline inside a literal or character class (write \\n)");
    this.i += c > 0xffff ? 2 : 1;
    return c;
  }

  private newRule(base: string, alts: Seq[]): string {
    const name = `${base}-${++this.fresh}`;
    this.rules.set(name, alts);
    return name;
  }

  /** One element (literal, class, ., rule name or group) as a sequence, followed by an optional repetition. */
  private element(out: Seq): void {
    const s = this.src;
    const start = this.i;
    let item: Seq;
    const c = s[this.i];
    if (c === '"') {
      this.i++;
      item = [];
      while (s[this.i] !== '"') {
        const cp = this.char();
        item.push({ t: "char", ranges: [cp, cp] });
      }
      this.i++;
    } else if (c === "[") {
      this.i++;
      const negate = s[this.i] === "^";
      if (negate) this.i++;
      const pairs: number[] = [];
      while (s[this.i] !== "]") {
        const lo = this.char();
        if (s[this.i] === "-" && s[this.i + 1] !== "]") {
          this.i++;
          const hi = this.char();
          if (hi < lo) this.fail(`character range ${String.fromCodePoint(lo)}-${String.fromCodePoint(hi)} is reversed`, start);
          pairs.push(lo, hi);
        } else pairs.push(lo, lo);
      }
      this.i++;
      const ranges = normalize(pairs, negate);
      if (ranges.length === 0) this.fail("this character class matches nothing", start);
      item = [{ t: "char", ranges }];
    } else if (c === ".") {
      this.i++;
      item = [{ t: "char", ranges: [0, MAX_CP] }];
    } else if (c === "(") {
      this.i++;
      const alts = this.alternatives(true);
      if (s[this.i] !== ")") this.fail("expected ) to close the group", start);
      this.i++;
      item = [{ t: "ref", name: this.newRule("group", alts), ...this.lineCol(start) }];
    } else if (c !== undefined && /[a-zA-Z0-9_-]/.test(c)) {
      const name = this.name();
      item = [{ t: "ref", name, ...this.lineCol(start) }];
    } else this.fail(`expected a literal "...", a class [...], ., a rule name or ( ... ), got ${JSON.stringify(c ?? "end of input")}`);
    this.repetition(item, out, start);
  }

  private repetition(item: Seq, out: Seq, start: number): void {
    const s = this.src;
    let min = 1, max: number | null = 1;
    const r = s[this.i];
    if (r === "*") [min, max] = [0, null];
    else if (r === "+") [min, max] = [1, null];
    else if (r === "?") [min, max] = [0, 1];
    else if (r === "{") {
      const m = /^\{\s*(\d+)\s*(?:(,)\s*(\d*)\s*)?\}/.exec(s.slice(this.i, this.i + 40));
      if (m === null) this.fail("expected {m}, {m,} or {m,n}");
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === "" ? null : Number(m[3]);
      if (max !== null && max < min) this.fail(`repetition {${min},${max}}: the maximum is below the minimum`);
      if (Math.max(min, max ?? 0) > MAX_REPEAT) this.fail(`repetition count above ${MAX_REPEAT}`);
      this.i += m[0].length - 1;
    } else {
      out.push(...item);
      return;
    }
    this.i++;
    if (min === 1 && max === 1) {
      out.push(...item);
      return;
    }
    const at = this.lineCol(start);
    for (let k = 0; k < min; k++) out.push(...item);
    if (max === null) {
      // x* as right recursion: rep ::= x rep | ε (llama.cpp desugars the same way).
      const name = `rep-${++this.fresh}`;
      this.rules.set(name, [[...item, { t: "ref", name, ...at }], []]);
      out.push({ t: "ref", name, ...at });
    } else if (max > min) {
      // Up to (max − min) more: opt_k ::= x opt_{k−1} | ε, nested.
      let inner: string | null = null;
      for (let k = 0; k < max - min; k++) {
        const tail: Seq = inner === null ? [] : [{ t: "ref", name: inner, ...at }];
        inner = this.newRule("opt", [[...item, ...tail], []]);
      }
      out.push({ t: "ref", name: inner!, ...at });
    }
  }

  private sequence(nested: boolean): Seq {
    const out: Seq = [];
    for (;;) {
      this.space(nested);
      const c = this.src[this.i];
      if (c === undefined || c === "|" || c === ")" || c === "\n") return out;
      this.element(out);
    }
  }

  private alternatives(nested: boolean): Seq[] {
    const alts = [this.sequence(nested)];
    for (;;) {
      this.space(nested);
      if (this.src[this.i] !== "|") return alts;
      this.i++;
      this.space(true);
      alts.push(this.sequence(nested));
    }
  }

  parse(): Map<string, Seq[]> {
    for (;;) {
      this.space(true);
      if (this.i >= this.src.length) break;
      const at = this.i;
      const name = this.name();
      this.space(false);
      if (!this.src.startsWith("::=", this.i)) this.fail(`expected ::= after the rule name ${name}`);
      this.i += 3;
      this.space(true);
      if (this.defined.has(name)) this.fail(`rule ${name} is defined twice (first at line ${this.defined.get(name)!.line})`, at);
      this.defined.set(name, this.lineCol(at));
      this.rules.set(name, this.alternatives(false));
      this.space(false);
      const c = this.src[this.i];
      if (c !== undefined && c !== "\n") this.fail(`unexpected ${JSON.stringify(c)} (a rule ends at the end of its line)`);
    }
    if (!this.rules.has("root")) throw new KotodamaError(`${this.file}: the grammar has no root rule (root ::= ...)`);
    for (const alts of this.rules.values()) {
      for (const seq of alts) {
        for (const it of seq) {
          if (it.t === "ref" && !this.rules.has(it.name)) throw new KotodamaError(`${this.file}:${it.line}:${it.col}: rule ${it.name} is used but never defined`);
        }
      }
    }
    return this.rules;
  }
}

/** Rejects left recursion: a rule that can reach itself without consuming a character. */
function checkLeftRecursion(rules: Map<string, Seq[]>, file: string): void {
  const nullable = new Set<string>();
  for (let changed = true; changed;) {
    changed = false;
    for (const [name, alts] of rules) {
      if (nullable.has(name)) continue;
      if (alts.some((seq) => seq.every((it) => it.t === "ref" && nullable.has(it.name)))) {
        nullable.add(name);
        changed = true;
      }
    }
  }
  const firsts = new Map<string, string[]>();
  for (const [name, alts] of rules) {
    const f: string[] = [];
    for (const seq of alts) {
      for (const it of seq) {
        if (it.t === "char") break;
        f.push(it.name);
        if (!nullable.has(it.name)) break;
      }
    }
    firsts.set(name, f);
  }
  const state = new Map<string, 1 | 2>();
  const visit = (n: string, path: string[]): void => {
    const s = state.get(n);
    if (s === 2) return;
    if (s === 1) {
      const user = [...path.slice(path.indexOf(n)), n].filter((x) => !/-\d+$/.test(x));
      throw new KotodamaError(`${file}: left recursion through rule ${user[0] ?? n} (${(user.length > 0 ? user : [n]).join(" → ")}): a rule must consume a character before it recurses`);
    }
    state.set(n, 1);
    for (const m of firsts.get(n)!) visit(m, [...path, n]);
    state.set(n, 2);
  };
  for (const n of rules.keys()) visit(n, []);
}

/** Parses GBNF text into a compiled Grammar. `file` names the source in errors. */
export function parseGbnf(src: string, file = "grammar"): Grammar {
  const rules = new Parser(src, file).parse();
  checkLeftRecursion(rules, file);
  const names = [...rules.keys()];
  const index = new Map(names.map((n, i) => [n, i]));
  const kinds: number[] = [], refs: number[] = [], ranges: (Int32Array | null)[] = [];
  const alts: number[][] = [];
  for (const name of names) {
    const starts: number[] = [];
    for (const seq of rules.get(name)!) {
      starts.push(kinds.length);
      for (const it of seq) {
        if (it.t === "char") {
          kinds.push(CHAR);
          refs.push(-1);
          ranges.push(Int32Array.from(it.ranges));
        } else {
          kinds.push(REF);
          refs.push(index.get(it.name)!);
          ranges.push(null);
        }
      }
      kinds.push(END);
      refs.push(-1);
      ranges.push(null);
    }
    alts.push(starts);
  }
  return { kinds: Uint8Array.from(kinds), refs: Int32Array.from(refs), ranges, alts, ruleNames: names, root: index.get("root")! };
}
