// npm start without ../shared or the pull cache: the data pipeline still runs, on the Brown corpus's training files
// (issue 17: "even in the fallback, the data pipeline runs on the Brown corpus"). Not here: the whole main job.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runPipeline } from "../../data/pipeline.js";
import { packageRoot } from "../../util/paths.js";
import { brownPipelineConfig } from "./start.js";

test("the Brown fallback goes through the data pipeline: its training files in, cleaned documents out", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-brown-"));
  try {
    const cfg = brownPipelineConfig(dir);
    assert.deepEqual(cfg.sources.map((s) => s.name), ["brown"]);
    const inDocs = readFileSync(join(dir, "brown", "train.jsonl"), "utf8").trim().split("\n").length;
    // 95 % of the 500 Brown files are training text (the rest are the validation text, never in the pipeline).
    assert.equal(inDocs, 475);
    const r = await runPipeline(cfg, { outDir: dir, baseDir: packageRoot(), tokenizer: null });
    const out = readFileSync(join(dir, "text", "train.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { text: string });
    assert.ok(out.length > 400 && out.length < inDocs, `${out.length} cleaned training documents of ${inDocs}: some removed, most kept`);
    assert.ok(out.every((d) => !d.text.includes("/at ")), "tags stripped before the pipeline");
    assert.ok(r.seconds > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
