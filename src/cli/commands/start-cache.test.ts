// npm start on a clone without ../shared (issue 17): with an empty cache it names the exact `kotodama pull`
// command and falls back to Brown; once the main job's sets are in the cache (copied from ../shared here, the
// pipeline's corpora cut short to keep the test fast), it reads them from there and the data pipeline runs on
// TinyStories and Aozora, Japanese included. `start --until data` stops after the pipeline. Needs ../shared.
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { findEntry, loadCatalogue, storedFiles } from "../../pull/catalogue.js";
import { sharedOrSkip } from "../../util/paths.js";
import { runCli } from "../../../tests/support/cli-process.js";
import { MAIN_JOB_SETS } from "./start.js";

/** The first `bytes` of a text file, cut at a line end. */
function head(file: string, bytes: number): string {
  const t = readFileSync(file).subarray(0, bytes).toString("utf8");
  return t.slice(0, t.lastIndexOf("\n") + 1);
}

test("npm start without ../shared: the pull hint with an empty cache; with the sets in the cache, the pipeline runs on them, Japanese included", (t) => {
  const shared = sharedOrSkip(t, "data");
  if (shared === null) return;
  const dir = mkdtempSync(join(tmpdir(), "kd-start-cache-"));
  try {
    const home = join(dir, "home");
    const env: NodeJS.ProcessEnv = { ...process.env, KOTODAMA_HOME: home, KOTODAMA_SHARED: join(dir, "no-shared"), CI: "1" };
    delete env.XDG_CACHE_HOME;
    // Empty cache: the exact pull command, then the Brown fallback's pipeline.
    const empty = runCli(["start", "--until", "data", "--no-serve", "--out", join(dir, "run0")], "", env);
    assert.equal(empty.rc, 0, empty.err);
    assert.match(empty.err, new RegExp(`fetch with: kotodama pull ${MAIN_JOB_SETS.join(" ")}`));
    assert.match(empty.err, /training on the Brown corpus/);
    // The cache filled as `kotodama pull` leaves it (same layout, KOTODAMA_HOME/data/...). The pipeline's
    // corpora are cut to their first 40 KB; the rest are links to ../shared's files.
    const cat = loadCatalogue();
    for (const name of MAIN_JOB_SETS) {
      const e = findEntry(cat, name);
      assert.ok(e !== null, name);
      for (const f of storedFiles(e)) {
        const src = join(shared, f.path);
        const dst = join(home, "data", f.path);
        mkdirSync(dirname(dst), { recursive: true });
        if (!existsSync(src)) continue;
        if (/^(tinystories\/(tinystories_sample|tinystories_10k)\.txt|aozora\/clean\/)/.test(f.path)) writeFileSync(dst, head(src, 40_000));
        else if (f.path.endsWith(".json") && f.path.startsWith("tinystories/")) writeFileSync(dst, JSON.stringify({ texts: (JSON.parse(readFileSync(src, "utf8")) as { texts: string[] }).texts.slice(0, 50) }));
        else if (f.path.endsWith(".txt") || f.path.endsWith(".csv")) symlinkSync(src, dst);
        else copyFileSync(src, dst);
      }
    }
    const r = runCli(["start", "--until", "data", "--no-serve", "--out", join(dir, "run1")], "", env);
    assert.equal(r.rc, 0, r.err);
    assert.match(r.err, new RegExp(`data: ${join(home, "data").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(the kotodama pull cache\\)`));
    assert.doesNotMatch(r.err, /Brown/);
    const report = JSON.parse(readFileSync(join(dir, "run1", "data", "report.json"), "utf8")) as { stats: { languages: Record<string, Record<string, [number, number]>> } };
    const aozoraJa = report.stats.languages.aozora?.ja?.[0] ?? 0;
    assert.ok(aozoraJa > 20, `Aozora paragraphs identified as Japanese: ${aozoraJa}`);
    const train = readFileSync(join(dir, "run1", "data", "text", "train.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { source: string; lang: string });
    assert.ok(train.some((d) => d.source === "aozora" && d.lang === "ja"), "Japanese documents reach the training text");
    assert.ok(train.some((d) => d.source === "tinystories" && d.lang === "en"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
