import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { loadCatalogue, storedFiles } from "../../pull/catalogue.js";
import { isFound } from "../../pull/locate.js";
import { packageRoot, sharedOrSkip } from "../../util/paths.js";
import { MAIN_JOB_SETS, mainJobData } from "./start.js";

const cat = loadCatalogue();

test("npm start (mainJobData): without ../shared and with an empty cache, the main job's sets give the exact pull command; once in the cache, they are found there", (t) => {
  const home = mkdtempSync(join(tmpdir(), "kotodama-home-"));
  const none = mainJobData({ shared: null, home });
  assert.ok(!isFound(none));
  assert.equal(none.hint, `tinystories, aozora, self-instruct, asset, cefr-sp, do-not-answer, xstest, hh-rlhf not in ../shared/data or ${join(home, "data")}; fetch with: kotodama pull tinystories aozora self-instruct asset cefr-sp do-not-answer xstest hh-rlhf`);
  const explicit = mainJobData({ explicit: "/my/data", shared: null, home });
  assert.deepEqual(explicit, { dir: "/my/data", from: "explicit" });
  const shared = sharedOrSkip(t, "data");
  if (shared === null) return;
  assert.deepEqual(mainJobData({ shared: join(shared, ".."), home }), { dir: shared, from: "shared" });
  // Place what `kotodama pull` would leave (copied from ../shared), one set short, then all.
  for (const e of cat.filter((x) => (MAIN_JOB_SETS as readonly string[]).includes(x.name) && x.name !== "hh-rlhf")) for (const f of storedFiles(e)) cpSync(join(shared, f.path), join(home, "data", f.path));
  const partial = mainJobData({ shared: null, home });
  assert.ok(!isFound(partial));
  assert.match(partial.hint, /fetch with: kotodama pull hh-rlhf$/);
  for (const f of storedFiles(cat.find((x) => x.name === "hh-rlhf")!)) cpSync(join(shared, f.path), join(home, "data", f.path));
  assert.deepEqual(mainJobData({ shared: null, home }), { dir: join(home, "data"), from: "cache" });
});

test("kotodama pull --list --json: an array of {name, kind, license, size, sha256, url}; --offline on an empty cache fails without network", () => {
  const home = mkdtempSync(join(tmpdir(), "kotodama-home-"));
  const bin = join(packageRoot(), "bin", "kotodama");
  const r = spawnSync(process.execPath, [bin, "pull", "--list", "--json"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
  assert.equal(rows.length, cat.length);
  for (const row of rows) {
    for (const k of ["name", "kind", "license", "size", "sha256", "url"]) assert.ok(k in row, `${String(row.name)}: ${k}`);
    assert.match(String(row.sha256), /^[0-9a-f]{64}$/);
  }
  const off = spawnSync(process.execPath, [bin, "pull", "tinystories", "--offline"], { encoding: "utf8", env: { ...process.env, KOTODAMA_HOME: home, HTTPS_PROXY: "http://127.0.0.1:9" } });
  assert.notEqual(off.status, 0);
  assert.match(off.stderr, /kotodama pull tinystories --offline: 4 of 4 files are missing .*nothing was downloaded/);
});
