import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { listRow, loadCatalogue, parseCatalogue, storedFiles } from "./catalogue.js";
import { aozoraClean } from "./aozora-clean.js";
import { sharedOrSkip } from "../util/paths.js";

const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");
const cat = loadCatalogue();

test("catalogue: every entry has a licence, a size and a sha256; the issue's sets are all there", () => {
  for (const e of cat) {
    assert.ok(e.license.length > 0, e.name);
    for (const f of e.files) {
      assert.ok(f.size > 0 && f.size < 4 * 1024 * 1024, `${e.name}/${f.path} size`);
      assert.match(f.sha256, /^[0-9a-f]{64}$/, `${e.name}/${f.path}`);
      assert.match(f.url, /^https:\/\//);
    }
  }
  const names = cat.map((e) => e.name);
  for (const n of ["tinystories", "aozora", "do-not-answer", "xstest", "hh-rlhf", "cefr-sp", "asset", "jglue"]) assert.ok(names.includes(n), n);
  assert.deepEqual(cat.filter((e) => e.nonCommercial).map((e) => e.name).sort(), ["asset", "cefr-sp", "do-not-answer"]);
  // --list rows: one file → its own sha256 and URL; several → sha256 of the sha256sum listing.
  const xs = cat.find((e) => e.name === "xstest");
  assert.ok(xs !== undefined);
  const listing = [...xs.files].sort((a, b) => (a.path < b.path ? -1 : 1)).map((f) => `${f.sha256}  ${f.path}\n`).join("");
  assert.equal(listRow(xs).sha256, sha256(Buffer.from(listing)));
  assert.equal(listRow(xs).size, xs.files[0]!.size + xs.files[1]!.size);
});

test("catalogue: unknown keys and bad hashes are rejected naming the field", () => {
  const good = { name: "x", kind: "data", license: "MIT", nonCommercial: false, url: "https://a", description: "", files: [{ path: "x/a", url: "https://a/a", size: 1, sha256: "a".repeat(64) }] };
  assert.equal(parseCatalogue({ entries: [good] }, "c.json").length, 1);
  assert.throws(() => parseCatalogue({ entries: [{ ...good, licence: "MIT" }] }, "c.json"), /c\.json: entries\[0\]\.licence is not a known key/);
  assert.throws(() => parseCatalogue({ entries: [{ ...good, files: [{ ...good.files[0], sha256: "abc" }] }] }, "c.json"), /entries\[0\]\.files\[0\]\.sha256 expects 64 lowercase hex digits/);
  assert.throws(() => parseCatalogue({ entries: [{ ...good, files: [{ ...good.files[0], path: "../x" }] }] }, "c.json"), /path expects a relative path without '\.\.'/);
});

test("catalogue: files ../shared also holds have the same sha256 (byte-identical copies)", (t) => {
  const shared = sharedOrSkip(t, "data");
  if (shared === null) return;
  let checked = 0;
  for (const e of cat) {
    const root: string = e.kind === "data" ? shared : join(shared, "..", "reference", e.name);
    for (const f of storedFiles(e)) {
      const b: Buffer = readFileSync(join(root, f.path));
      assert.equal(sha256(b), f.sha256, `${e.name}: ${f.path}`);
      assert.equal(b.length, f.size, `${e.name}: ${f.path}`);
      checked++;
    }
  }
  assert.equal(checked, 79 + 23 + 1); // every downloaded file, the 23 derived clean texts, aozora/manifest.tsv
});

test("aozora-clean: reproduces ../shared/data/aozora/clean byte for byte from raw", (t) => {
  const dir = sharedOrSkip(t, "data", "aozora");
  if (dir === null) return;
  const files = readdirSync(join(dir, "raw")).filter((f) => f.endsWith(".txt"));
  assert.equal(files.length, 23);
  for (const f of files) assert.equal(aozoraClean(readFileSync(join(dir, "raw", f), "utf8")), readFileSync(join(dir, "clean", f), "utf8"), f);
});

