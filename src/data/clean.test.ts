import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanFile, type CleanDoc } from "./clean.js";
import { parseConfig } from "./config.js";

const article = "The river flooded the old town on Monday, and the bridge was closed for two days while engineers checked it. Volunteers filled sandbags with the help of the fire brigade.";

test("step 1 with the boilerplate and toxicity stages: lines removed per rule in the report, profanity masked", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-clean-"));
  try {
    const page = ["Home | News | Sport | Weather", "We use cookies to improve your experience on this site.", article, "Share on Facebook", "Privacy Policy"].join("\n");
    const more = "By Wednesday the water had gone down, shops were drying their floors, and the council promised money for repairs to every family whose home was damaged.";
    const profane = `${article} ${more} Then a man shouted shit at the volunteers.`; // 1 hit in 70 words: under minRatio
    const menuOnly = "Home | News | Sport | Weather\nLog in";
    writeFileSync(join(dir, "in.jsonl"), [page, profane, menuOnly].map((text, i) => JSON.stringify({ id: i, text })).join("\n") + "\n");
    const cfg = parseConfig({ sources: [{ name: "web", paths: ["in.jsonl"], format: "jsonl" }], langid: { enabled: false }, toxicity: { mode: "mask" } }, "test");
    const out = join(dir, "out.jsonl");
    const st = await cleanFile(join(dir, "in.jsonl"), cfg.sources[0]!, Infinity, out, cfg, dir, null, () => {});
    const docs = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l) as CleanDoc);
    assert.deepEqual(docs.map((d) => d.text), [article, `${article} ${more} Then a man shouted [PROFANITY] at the volunteers.`]);
    const bp = st.stages.find((s) => s.name === "boilerplate")!;
    assert.deepEqual(bp.reasons, { "line:nav-menu": 2, "line:cookie": 1, "line:call-to-action": 2, "line:legal": 1, "all-lines-removed": 1 });
    assert.equal(bp.docsIn, 3);
    assert.equal(bp.docsOut, 2);
    assert.equal(bp.changed, 1);
    assert.deepEqual(bp.examples.filter((e) => e.note.startsWith("line:")).map((e) => [e.note, e.text]), [
      ["line:nav-menu", "Home | News | Sport | Weather"],
      ["line:cookie", "We use cookies to improve your experience on this site."],
      ["line:call-to-action", "Share on Facebook"],
      ["line:legal", "Privacy Policy"],
    ]);
    assert.deepEqual(st.stages.map((s) => s.name).slice(0, 4), ["read", "normalize", "langid", "boilerplate"]);
    const tox = st.stages.find((s) => s.name === "toxicity")!;
    assert.deepEqual(tox.reasons, { masked: 1 });
    assert.equal(tox.docsOut, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
