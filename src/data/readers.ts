// Streaming corpus readers: plain text with a document separator, JSON Lines with a chosen field, JSON arrays,
// WARC/WET records (warc.ts), gzip and zstd (decompress.ts), UTF-8, Shift_JIS or EUC-JP (encoding.ts), files,
// folders and globs. Not here: any filtering; readers only turn bytes into Docs.
//
// Memory is bounded by the longest line (text, JSONL) or array element (JSON), capped at maxDocChars; a longer
// document is cut at line boundaries (text) or skipped (JSONL/JSON) and reported. Bad input never throws: an
// unreadable file, invalid UTF-8, a line that is not JSON or a missing field is reported through onIssue with
// file and line, and the reader goes on. A file that is not UTF-8 but looks like Shift_JIS or EUC-JP is skipped
// whole with one "wrong-encoding" issue that names the offset, the line, the likely encoding and the flag.
import { statSync, readdirSync } from "node:fs";
import { isUtf8 } from "node:buffer";
import { join, resolve, relative } from "node:path";
import { glob } from "tinyglobby";
import { byteChunks, withoutCompression } from "./decompress.js";
import { conversionHint, firstInvalidUtf8, guessEncoding, lineAt, replaceLoneSurrogates, type EncodingSetting, type LoneSurrogates, type TextEncodingName } from "./encoding.js";
import { readWarcDocs } from "./warc.js";

/** One document as it leaves a reader. id = "file:line" of its first line, or "file#i" for the i-th element of
 *  a JSON array; file is relative to the config's folder when inside it. */
export interface Doc {
  readonly id: string;
  readonly source: string;
  readonly text: string;
  /** WARC/WET documents: the record's WARC-Identified-Content-Language, when it has one. */
  readonly warcLang?: string;
}

/** "auto": warc for *.warc(.gz|.zst), wet for *.wet(.gz|.zst), else text. "warc" and "wet" read the same
 *  records (WET conversion records; WARC response/resource records with HTML or plain text). */
export type SourceFormat = "auto" | "text" | "jsonl" | "json" | "warc" | "wet";
export const SOURCE_FORMATS: readonly SourceFormat[] = ["auto", "text", "jsonl", "json", "warc", "wet"];

/** A named input source. Paths are files, folders (read recursively, sorted) or globs, relative to the config
 *  file's folder. */
export interface SourceConfig {
  readonly name: string;
  readonly paths: readonly string[];
  readonly format: SourceFormat;
  /** text: the document separator. "\n\n" means "a blank line"; any other separator must not hold a newline
   *  and may sit inside a line (e.g. TinyStories' "<|endoftext|>"). null: one document per file. */
  readonly separator: string | null;
  /** jsonl/json: dotted path of the text field in each object ("" when the elements are strings). */
  readonly field: string;
  /** json: key of the array inside the root object ("" when the root itself is the array). */
  readonly jsonKey: string;
  /** Drop each file's last document (a corpus extract cut off mid-document, like tinystories_10k.txt). */
  readonly skipLast: boolean;
  /** Mixture weight: how many times each training document of this source is repeated in the shards (a
   *  fraction is applied per document, deterministically). 1 = as is, 0.5 = about half, 2 = twice. */
  readonly weight: number;
  /** Stop after this many documents of this source (null: all). */
  readonly maxDocs: number | null;
  /** Text encoding of the files (text, jsonl, json): converted to UTF-8 while reading. "auto" guesses per file
   *  from its first bytes (UTF-8, else Shift_JIS or EUC-JP). WARC/WET records are read as their headers say. */
  readonly encoding: EncodingSetting;
  /** A JSON string with a lone surrogate escape ("\ud800"): "replace" it with U+FFFD, or "skip" the document;
   *  either way it is reported ("lone-surrogate"). */
  readonly loneSurrogates: LoneSurrogates;
}

export const SOURCE_DEFAULTS: Omit<SourceConfig, "name" | "paths"> = {
  format: "auto",
  separator: "\n\n",
  field: "text",
  jsonKey: "",
  skipLast: false,
  weight: 1,
  maxDocs: null,
  encoding: "utf-8",
  loneSurrogates: "replace",
};

export type IssueKind =
  | "unreadable"
  | "invalid-utf8"
  | "wrong-encoding"
  | "invalid-encoding"
  | "lone-surrogate"
  | "invalid-json"
  | "invalid-warc"
  | "missing-field"
  | "too-long"
  | "no-files";

/** The format a file is read in: the source's, or for "auto" the one its name suggests. */
export function formatOf(src: SourceConfig, file: string): Exclude<SourceFormat, "auto"> {
  if (src.format !== "auto") return src.format;
  const name = withoutCompression(file).toLowerCase();
  return name.endsWith(".wet") ? "wet" : name.endsWith(".warc") ? "warc" : "text";
}

export interface ReadIssue {
  readonly kind: IssueKind;
  readonly file: string;
  /** 1-based line, 0 when the issue concerns the whole file. */
  readonly line: number;
  readonly message: string;
}

export interface ReadOptions {
  /** Folder that relative paths and ids are relative to. */
  readonly baseDir: string;
  /** Documents (and JSON elements, JSONL lines) longer than this are cut (text) or skipped (JSON). */
  readonly maxDocChars: number;
  readonly onIssue: (issue: ReadIssue) => void;
}

/** Expands a source's paths into a sorted, de-duplicated list of absolute file paths. */
export async function resolveFiles(paths: readonly string[], baseDir: string, onIssue: (i: ReadIssue) => void): Promise<string[]> {
  const out = new Set<string>();
  for (const p of paths) {
    const abs = resolve(baseDir, p);
    if (/[*?[{]/.test(p)) {
      const found = await glob(p, { cwd: baseDir, absolute: true, onlyFiles: true });
      if (found.length === 0) onIssue({ kind: "no-files", file: p, line: 0, message: "glob matched no file" });
      for (const f of found.sort()) out.add(resolve(f));
      continue;
    }
    let st;
    try {
      st = statSync(abs);
    } catch (e) {
      onIssue({ kind: "unreadable", file: p, line: 0, message: (e as Error).message });
      continue;
    }
    if (st.isDirectory()) for (const f of walk(abs)) out.add(f);
    else out.add(abs);
  }
  return [...out];
}

function walk(dir: string): string[] {
  const files: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) files.push(...walk(p));
    else if (e.isFile()) files.push(p);
  }
  return files;
}

interface TextInput {
  readonly encoding: TextEncodingName;
  readonly chunks: AsyncIterable<Buffer>;
}

/** A file's decompressed bytes and the encoding to decode them with, or null when the file is skipped because
 *  it is not the UTF-8 it was declared to be but looks like Shift_JIS, EUC-JP or UTF-16 (reported once, with
 *  the byte offset and line of the first invalid byte, the likely encoding and how to convert). */
async function openText(file: string, rel: string, src: SourceConfig, opt: ReadOptions): Promise<TextInput | null> {
  const it = byteChunks(file);
  const first = await it.next();
  const head = first.done === true ? Buffer.alloc(0) : first.value;
  const rest = async function* (): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    yield* it;
  };
  let encoding: TextEncodingName = src.encoding === "auto" ? "utf-8" : src.encoding;
  if (src.encoding === "auto" || src.encoding === "utf-8") {
    const guess = guessEncoding(head, first.done === true);
    if (src.encoding === "auto" && (guess === "shift_jis" || guess === "euc-jp")) encoding = guess;
    else if (guess === "utf-16le" || guess === "utf-16be" || (src.encoding === "utf-8" && guess !== null && guess !== "utf-8")) {
      const at = firstInvalidUtf8(head);
      const where = at < 0 ? "" : ` at byte ${at} (line ${lineAt(head, at)})`;
      opt.onIssue({ kind: "wrong-encoding", file: rel, line: at < 0 ? 0 : lineAt(head, at), message: `not UTF-8${where}; it looks like ${guess === "shift_jis" ? "Shift_JIS" : guess === "euc-jp" ? "EUC-JP" : guess.toUpperCase()}: ${conversionHint(guess)}; file skipped` });
      return null;
    }
  }
  return { encoding, chunks: rest() };
}

interface Line {
  readonly text: string;
  readonly no: number;
}

/** Lines of a file, decoded strictly in the input's encoding (a line with invalid bytes is reported and skipped),
 *  without the trailing "\r\n" / "\n". A line longer than maxChars*4 bytes is reported and skipped. Splitting
 *  bytes at 0x0A is safe in Shift_JIS and EUC-JP too: neither uses it inside a multi-byte character. */
async function* lines(input: TextInput, rel: string, opt: ReadOptions): AsyncGenerator<Line> {
  const maxBytes = opt.maxDocChars * 4;
  let carry: Buffer | null = null;
  let skipping = false;
  let no = 0;
  const decoder = input.encoding === "utf-8" ? null : new TextDecoder(input.encoding, { fatal: true });
  const emit = (b: Buffer): Line | null => {
    no++;
    let s: string;
    if (decoder === null) {
      if (!isUtf8(b)) {
        const guess = guessEncoding(b);
        const hint = guess !== null && guess !== "utf-8" ? ` (looks like ${guess}: ${conversionHint(guess)})` : "";
        opt.onIssue({ kind: "invalid-utf8", file: rel, line: no, message: `line is not valid UTF-8 at byte ${firstInvalidUtf8(b)} of the line${hint}; skipped` });
        return null;
      }
      s = b.toString("utf8");
    } else {
      try {
        s = decoder.decode(b);
      } catch {
        opt.onIssue({ kind: "invalid-encoding", file: rel, line: no, message: `line is not valid ${input.encoding}; skipped` });
        return null;
      }
    }
    if (s.endsWith("\r")) s = s.slice(0, -1);
    return { text: s, no };
  };
  for await (const chunk of input.chunks) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      if (skipping) {
        skipping = false;
        no++;
      } else {
        const part = chunk.subarray(start, nl);
        const line = emit(carry === null ? part : Buffer.concat([carry, part]));
        if (line !== null) yield line;
      }
      carry = null;
      start = nl + 1;
    }
    if (start < chunk.length && !skipping) {
      const rest = chunk.subarray(start);
      carry = carry === null ? Buffer.from(rest) : Buffer.concat([carry, rest]);
      if (carry.length > maxBytes) {
        opt.onIssue({ kind: "too-long", file: rel, line: no + 1, message: `line longer than ${maxBytes} bytes; skipped` });
        carry = null;
        skipping = true;
      }
    }
  }
  if (carry !== null && carry.length > 0) {
    const line = emit(carry);
    if (line !== null) yield line;
  }
}

/** Reads one file of a source as documents. Never throws for bad content; see the header comment. */
export async function* readFile(file: string, src: SourceConfig, opt: ReadOptions): AsyncGenerator<Doc> {
  const r = relative(opt.baseDir, file);
  const rel = r === "" || r.startsWith("..") ? file : r;
  const format = formatOf(src, file);
  const inner =
    format === "text" ? readText(file, rel, src, opt) : format === "jsonl" ? readJsonl(file, rel, src, opt) : format === "json" ? readJson(file, rel, src, opt) : readWarc(file, rel, src, opt);
  let held: Doc | null = null;
  try {
    for await (const d of inner) {
      if (d.text.trim() === "") continue;
      if (held !== null) yield held;
      held = d;
    }
  } catch (e) {
    opt.onIssue({ kind: "unreadable", file: rel, line: 0, message: `read failed: ${(e as Error).message}` });
  }
  if (held !== null && !src.skipLast) yield held;
}

async function* readWarc(file: string, rel: string, src: SourceConfig, opt: ReadOptions): AsyncGenerator<Doc> {
  const docs = readWarcDocs(byteChunks(file), {
    maxBlockBytes: opt.maxDocChars * 4,
    onIssue: (kind, _record, message) => opt.onIssue({ kind, file: rel, line: 0, message }),
  });
  for await (const d of docs) {
    const text = d.text.length > opt.maxDocChars ? cutAtLine(d.text, opt.maxDocChars) : d.text;
    yield d.warcLang === null ? { id: d.id, source: src.name, text } : { id: d.id, source: src.name, text, warcLang: d.warcLang };
  }
}

/** The longest prefix of s that ends at a line break and has at most max chars (or the first max chars). */
function cutAtLine(s: string, max: number): string {
  const nl = s.lastIndexOf("\n", max);
  return nl > 0 ? s.slice(0, nl) : s.slice(0, max);
}

async function* readText(file: string, rel: string, src: SourceConfig, opt: ReadOptions): AsyncGenerator<Doc> {
  const input = await openText(file, rel, src, opt);
  if (input === null) return;
  const sep = src.separator;
  let parts: string[] = [];
  let chars = 0;
  let first = 0;
  const take = (): Doc => {
    // Blank lines at a document's edges (around a separator line) are not content.
    let a = 0;
    let b = parts.length;
    while (a < b && parts[a]!.trim() === "") a++;
    while (b > a && parts[b - 1]!.trim() === "") b--;
    const d = { id: `${rel}:${first + a}`, source: src.name, text: (a === 0 && b === parts.length ? parts : parts.slice(a, b)).join("\n") };
    parts = [];
    chars = 0;
    return d;
  };
  for await (const { text, no } of lines(input, rel, opt)) {
    if (parts.length === 0) first = no;
    if (sep === "\n\n") {
      if (text.trim() === "") {
        if (parts.length > 0) yield take();
        continue;
      }
      parts.push(text);
      chars += text.length + 1;
    } else if (sep !== null && text.includes(sep)) {
      const pieces = text.split(sep);
      for (let i = 0; i < pieces.length; i++) {
        if (i > 0) {
          if (parts.length > 0) yield take();
          first = no;
        }
        if (pieces[i] !== "") {
          parts.push(pieces[i]!);
          chars += pieces[i]!.length + 1;
        }
      }
    } else {
      parts.push(text);
      chars += text.length + 1;
    }
    if (chars > opt.maxDocChars) {
      // Cut an over-long document at this line boundary (a whole novel read with separator null, say).
      yield take();
      first = no + 1;
    }
  }
  if (parts.length > 0) yield take();
}

/** Follows a dotted field path; returns the string there or null. */
function fieldOf(value: unknown, path: string): string | null {
  let v = value;
  if (path !== "") {
    for (const k of path.split(".")) {
      if (v === null || typeof v !== "object" || Array.isArray(v)) return null;
      v = (v as Record<string, unknown>)[k];
    }
  }
  return typeof v === "string" ? v : null;
}

function parseElement(raw: string, rel: string, line: number, src: SourceConfig, opt: ReadOptions, index = -1): Doc | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    opt.onIssue({ kind: "invalid-json", file: rel, line, message: `not JSON (${(e as Error).message}); skipped` });
    return null;
  }
  let text = fieldOf(value, src.field);
  if (text === null) {
    const what = src.field === "" ? "element is not a string" : `no string field '${src.field}'`;
    opt.onIssue({ kind: "missing-field", file: rel, line, message: `${what}; skipped` });
    return null;
  }
  if (text.length > opt.maxDocChars) {
    opt.onIssue({ kind: "too-long", file: rel, line, message: `text longer than ${opt.maxDocChars} chars; skipped` });
    return null;
  }
  // Only a \uD8xx-\uDFxx escape can put a lone surrogate into a string (decoders never make one).
  if (/\\u[dD][89a-fA-F]/.test(raw)) {
    const r = replaceLoneSurrogates(text);
    if (r.count > 0) {
      const skip = src.loneSurrogates === "skip";
      opt.onIssue({ kind: "lone-surrogate", file: rel, line, message: `${r.count} lone surrogate escape${r.count > 1 ? "s" : ""} (unpaired \\ud800-\\udfff); ${skip ? "skipped" : "replaced with U+FFFD"}` });
      if (skip) return null;
      text = r.text;
    }
  }
  return { id: index >= 0 ? `${rel}#${index}` : `${rel}:${line}`, source: src.name, text };
}

async function* readJsonl(file: string, rel: string, src: SourceConfig, opt: ReadOptions): AsyncGenerator<Doc> {
  const input = await openText(file, rel, src, opt);
  if (input === null) return;
  for await (const { text, no } of lines(input, rel, opt)) {
    if (text.trim() === "") continue;
    const d = parseElement(text, rel, no, src, opt);
    if (d !== null) yield d;
  }
}

/** A streaming scanner for one JSON array (the root, or the value of a root key): it cuts the array's
 *  elements out of the text by tracking nesting and strings, and JSON.parses each element alone. */
async function* readJson(file: string, rel: string, src: SourceConfig, opt: ReadOptions): AsyncGenerator<Doc> {
  const input = await openText(file, rel, src, opt);
  if (input === null) return;
  const decoder = new TextDecoder(input.encoding, { fatal: true });
  let depth = 0; // containers open
  let inString = false;
  let escape = false;
  let line = 1;
  let targetDepth = -1; // depth inside the target array; -1 until found
  let done = false;
  // Key tracking at depth 1 of a root object (for jsonKey).
  let keyStart = -1;
  let keyParts: string[] = [];
  let lastKey: string | null = null;
  let expectKey = false;
  // Element capture.
  let elemParts: string[] = [];
  let elemStart = -1;
  let elemLen = 0;
  let elemLine = 0;
  let tooLong = false;
  let index = 0;
  const finish = function* (s: string, end: number): Generator<Doc> {
    if (elemStart >= 0) elemParts.push(s.slice(elemStart, end));
    const raw = elemParts.join("").trim();
    elemParts = [];
    elemStart = -1;
    if (raw !== "") index++;
    if (raw !== "" && !tooLong) {
      const d = parseElement(raw, rel, elemLine, src, opt, index - 1);
      if (d !== null) yield d;
    } else if (tooLong) {
      opt.onIssue({ kind: "too-long", file: rel, line: elemLine, message: `array element longer than ${opt.maxDocChars * 2} chars; skipped` });
    }
    tooLong = false;
    elemLen = 0;
  };
  for await (const chunk of input.chunks) {
    let s: string;
    try {
      s = decoder.decode(chunk, { stream: true });
    } catch {
      opt.onIssue({ kind: input.encoding === "utf-8" ? "invalid-utf8" : "invalid-encoding", file: rel, line, message: `invalid ${input.encoding} after line ${line}; rest of file skipped` });
      return;
    }
    if (done) continue;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 10) line++;
      const capturing = targetDepth >= 0 && depth >= targetDepth;
      if (capturing && elemStart < 0 && depth === targetDepth && c !== 0x2c && c !== 0x5d && c > 32) {
        elemStart = i;
        elemLine = line;
      }
      if (inString) {
        if (escape) escape = false;
        else if (c === 0x5c) escape = true;
        else if (c === 0x22) {
          inString = false;
          if (keyStart >= 0) {
            keyParts.push(s.slice(keyStart, i));
            lastKey = keyParts.join("");
            keyParts = [];
            keyStart = -1;
          }
        }
        continue;
      }
      if (c === 0x22) {
        inString = true;
        if (depth === 1 && targetDepth < 0 && expectKey) {
          keyStart = i + 1;
          expectKey = false;
        }
        continue;
      }
      if (c === 0x7b || c === 0x5b) {
        depth++;
        if (targetDepth < 0) {
          if (c === 0x5b && ((depth === 1 && src.jsonKey === "") || (depth === 2 && lastKey === src.jsonKey && src.jsonKey !== ""))) targetDepth = depth;
          if (c === 0x7b && depth === 1) expectKey = true;
        }
      } else if (c === 0x7d || c === 0x5d) {
        if (depth === targetDepth && c === 0x5d) {
          yield* finish(s, i);
          targetDepth = -1;
          done = true;
          break;
        }
        depth--;
      } else if (c === 0x2c) {
        if (depth === targetDepth) yield* finish(s, i);
        else if (depth === 1 && targetDepth < 0) expectKey = true;
      }
    }
    if (elemStart >= 0) {
      elemLen += s.length - elemStart;
      if (elemLen > opt.maxDocChars * 2) {
        tooLong = true;
        elemParts = [];
      } else elemParts.push(s.slice(elemStart));
      elemStart = 0;
    }
    if (keyStart >= 0) {
      keyParts.push(s.slice(keyStart));
      keyStart = 0;
    }
  }
  if (targetDepth < 0 && !done) {
    const where = src.jsonKey === "" ? "a root array" : `an array under root key '${src.jsonKey}'`;
    opt.onIssue({ kind: "invalid-json", file: rel, line: 0, message: `expected ${where}; file skipped` });
  }
}
