// The `kotodama pull` catalogue (catalogue.json at the package root): named models and data sets, each file with
// its URL, size and sha256, the licence and a non-commercial flag. Reading, validating and listing it.
// Not here: downloading (download.ts), the Hub (hub.ts), regenerating it (dev/pull/build-catalogue.mjs).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { KotodamaError } from "../util/errors.js";
import { packageRoot } from "../util/paths.js";

/** A file that a later step derives from a downloaded one (Aozora's clean text), checked by its sha256. */
export interface DerivedFile {
  readonly path: string;
  readonly by: "aozora-clean";
  readonly size: number;
  readonly sha256: string;
}

export interface CatalogueFile {
  /** Where it lands, relative to the entry's root (data/ or models/ in the cache; ../shared/data mirrors it). */
  readonly path: string;
  readonly url: string;
  /** Size and sha256 of the bytes at url. */
  readonly size: number;
  readonly sha256: string;
  /** When set, the downloaded bytes are decoded from this encoding to UTF-8 before they are stored. */
  readonly decode?: "cp932";
  readonly decodedSize?: number;
  readonly decodedSha256?: string;
  readonly derived?: DerivedFile;
}

/** A small file written from the catalogue itself (our own metadata, e.g. aozora/manifest.tsv: file → title). */
export interface InlineFile {
  readonly path: string;
  readonly text: string;
  readonly sha256: string;
}

export interface CatalogueEntry {
  readonly name: string;
  readonly kind: "model" | "data";
  readonly license: string;
  readonly nonCommercial: boolean;
  readonly url: string;
  readonly description: string;
  readonly files: readonly CatalogueFile[];
  readonly inline?: readonly InlineFile[];
}

/** One row of `kotodama pull --list --json`. */
export interface ListRow {
  readonly name: string;
  readonly kind: "model" | "data";
  readonly license: string;
  readonly nonCommercial: boolean;
  readonly size: number;
  readonly sha256: string;
  readonly url: string;
  readonly files: number;
  readonly description: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

export const CATALOGUE_FILE = "catalogue.json";

function need(ok: boolean, file: string, where: string, what: string): void {
  if (!ok) throw new KotodamaError(`${file}: ${where} ${what}`);
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

function onlyKeys(o: Record<string, unknown>, keys: readonly string[], file: string, where: string): void {
  for (const k of Object.keys(o)) need(keys.includes(k), file, `${where}.${k}`, `is not a known key; expected one of: ${keys.join(", ")}`);
}

function parseFile(v: unknown, file: string, where: string): CatalogueFile {
  need(isObj(v), file, where, "expects an object");
  const o = v as Record<string, unknown>;
  onlyKeys(o, ["path", "url", "size", "sha256", "decode", "decodedSize", "decodedSha256", "derived"], file, where);
  need(typeof o.path === "string" && o.path !== "" && !o.path.split("/").includes("..") && !o.path.startsWith("/"), file, `${where}.path`, "expects a relative path without '..'");
  need(typeof o.url === "string" && /^https?:\/\//.test(o.url), file, `${where}.url`, "expects an http(s) URL");
  need(Number.isSafeInteger(o.size) && (o.size as number) >= 0, file, `${where}.size`, "expects a byte count");
  need(typeof o.sha256 === "string" && HEX64.test(o.sha256), file, `${where}.sha256`, "expects 64 lowercase hex digits");
  if (o.decode !== undefined) {
    need(o.decode === "cp932", file, `${where}.decode`, 'expects "cp932"');
    need(Number.isSafeInteger(o.decodedSize), file, `${where}.decodedSize`, "expects a byte count");
    need(typeof o.decodedSha256 === "string" && HEX64.test(o.decodedSha256), file, `${where}.decodedSha256`, "expects 64 hex digits");
  }
  if (o.derived !== undefined) {
    const d = o.derived;
    need(isObj(d), file, `${where}.derived`, "expects an object");
    const r = d as Record<string, unknown>;
    onlyKeys(r, ["path", "by", "size", "sha256"], file, `${where}.derived`);
    need(typeof r.path === "string" && !r.path.split("/").includes(".."), file, `${where}.derived.path`, "expects a relative path");
    need(r.by === "aozora-clean", file, `${where}.derived.by`, 'expects "aozora-clean"');
    need(Number.isSafeInteger(r.size) && typeof r.sha256 === "string" && HEX64.test(r.sha256), file, `${where}.derived`, "expects size and sha256");
  }
  return o as unknown as CatalogueFile;
}

/** Validates a parsed catalogue: every entry has a name, kind, licence, URL and files with size and sha256. */
export function parseCatalogue(json: unknown, file: string): CatalogueEntry[] {
  need(isObj(json) && Array.isArray(json.entries), file, "config", "expects { version, entries: [...] }");
  const names = new Set<string>();
  return ((json as { entries: unknown[] }).entries).map((e, i) => {
    const where = `entries[${i}]`;
    need(isObj(e), file, where, "expects an object");
    const o = e as Record<string, unknown>;
    onlyKeys(o, ["name", "kind", "license", "nonCommercial", "url", "description", "files", "inline"], file, where);
    need(typeof o.name === "string" && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(o.name), file, `${where}.name`, "expects a short name (letters, digits, . _ -)");
    need(!names.has(o.name as string), file, `${where}.name`, `repeats ${JSON.stringify(o.name)}`);
    names.add(o.name as string);
    need(o.kind === "model" || o.kind === "data", file, `${where}.kind`, 'expects "model" or "data"');
    need(typeof o.license === "string" && o.license.trim() !== "", file, `${where}.license`, "expects a licence");
    need(typeof o.nonCommercial === "boolean", file, `${where}.nonCommercial`, "expects true or false");
    need(typeof o.url === "string" && /^https?:\/\//.test(o.url), file, `${where}.url`, "expects an http(s) URL");
    need(typeof o.description === "string", file, `${where}.description`, "expects a string");
    need(Array.isArray(o.files) && o.files.length > 0, file, `${where}.files`, "expects a non-empty array");
    const files = (o.files as unknown[]).map((f, j) => parseFile(f, file, `${where}.files[${j}]`));
    if (o.inline !== undefined) {
      need(Array.isArray(o.inline), file, `${where}.inline`, "expects an array");
      (o.inline as unknown[]).forEach((x, j) => {
        const w = `${where}.inline[${j}]`;
        need(isObj(x), file, w, "expects an object");
        const r = x as Record<string, unknown>;
        onlyKeys(r, ["path", "text", "sha256"], file, w);
        need(typeof r.path === "string" && !r.path.split("/").includes("..") && !r.path.startsWith("/"), file, `${w}.path`, "expects a relative path");
        need(typeof r.text === "string" && typeof r.sha256 === "string" && HEX64.test(r.sha256), file, w, "expects text and its sha256");
        need(createHash("sha256").update(r.text as string).digest("hex") === r.sha256, file, `${w}.sha256`, "does not match the text");
      });
    }
    return { ...(o as unknown as CatalogueEntry), files };
  });
}

/** The catalogue shipped with the package (catalogue.json beside package.json). */
export function loadCatalogue(path = join(packageRoot(), CATALOGUE_FILE)): CatalogueEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new KotodamaError(`${path}: cannot read the pull catalogue (${e instanceof Error ? e.message : String(e)})`);
  }
  return parseCatalogue(json, path);
}

export function findEntry(cat: readonly CatalogueEntry[], name: string): CatalogueEntry | null {
  return cat.find((e) => e.name === name) ?? cat.find((e) => e.name.toLowerCase() === name.toLowerCase()) ?? null;
}

/** The files an entry leaves in place once pulled: each stored file (decoded when so marked) and its derived one. */
export function storedFiles(e: CatalogueEntry): { path: string; size: number; sha256: string }[] {
  const out: { path: string; size: number; sha256: string }[] = [];
  for (const f of e.files) {
    out.push(f.decode !== undefined ? { path: f.path, size: f.decodedSize ?? 0, sha256: f.decodedSha256 ?? "" } : { path: f.path, size: f.size, sha256: f.sha256 });
    if (f.derived !== undefined) out.push({ path: f.derived.path, size: f.derived.size, sha256: f.derived.sha256 });
  }
  for (const x of e.inline ?? []) out.push({ path: x.path, size: Buffer.byteLength(x.text), sha256: x.sha256 });
  return out;
}

/** An entry's size (bytes downloaded) and sha256: the file's own for one file, else the sha256 of its
 *  sha256sum-style listing ("<sha256>  <path>\n" per downloaded file, sorted by path). */
export function listRow(e: CatalogueEntry): ListRow {
  const size = e.files.reduce((n, f) => n + f.size, 0);
  const one = e.files.length === 1 ? e.files[0] : undefined;
  const listing = [...e.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((f) => `${f.sha256}  ${f.path}\n`).join("");
  const sha256 = one !== undefined ? one.sha256 : createHash("sha256").update(listing).digest("hex");
  return { name: e.name, kind: e.kind, license: e.license, nonCommercial: e.nonCommercial, size, sha256, url: one !== undefined ? one.url : e.url, files: e.files.length, description: e.description };
}
