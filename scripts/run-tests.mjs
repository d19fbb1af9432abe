// Runs every compiled test file (dist/**/*.test.js) with node's built-in test runner.
// Not here: type-check and lint (npm test runs them before this script).
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { llamaVocabDir } from "./llama-vocab.mjs";

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith(".test.js")) out.push(p);
  }
  return out;
}

const filter = process.argv.slice(2);
let files = collect("dist", []).sort();
if (filter.length > 0) files = files.filter((f) => filter.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error("run-tests: no test files found under dist/ (did the build run?)");
  process.exit(1);
}
// llama.cpp's own tokenizer test vocabularies, from the llama.cpp source node-llama-cpp ships (no network), unless
// the caller points KOTODAMA_LLAMA_VOCAB_DIR elsewhere. Without them those tests skip, or fail where the oracle is
// required (KOTODAMA_REQUIRE_LLAMACPP=1, as .ci/run sets).
const env = { ...process.env };
if (!env.KOTODAMA_LLAMA_VOCAB_DIR) {
  const v = llamaVocabDir();
  if ("dir" in v) env.KOTODAMA_LLAMA_VOCAB_DIR = v.dir;
  else if (env.KOTODAMA_REQUIRE_LLAMACPP === "1") {
    console.error(`run-tests: llama.cpp's test vocabularies are required (KOTODAMA_REQUIRE_LLAMACPP=1): ${v.reason}`);
    process.exit(1);
  } else console.error(`run-tests: llama.cpp's test vocabularies unavailable, their tests will skip: ${v.reason}`);
}
// Every temporary folder the tests make (os.tmpdir(), in the test processes and the CLIs they spawn) goes under one
// folder of this run, removed when the run ends, so that repeated runs do not fill /tmp (before, each run left
// 40-odd folders, ~100 MB). KOTODAMA_KEEP_TEST_TMP=1 keeps it, to look at a failure's files.
const runTmp = mkdtempSync(join(tmpdir(), "kotodama-test-"));
env.TMPDIR = runTmp;
const cleanUp = () => {
  if (env.KOTODAMA_KEEP_TEST_TMP === "1") console.error(`run-tests: kept the tests' temporary files in ${runTmp}`);
  else rmSync(runTmp, { recursive: true, force: true });
};
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => { cleanUp(); process.exit(130); });
const r = spawnSync(process.execPath, ["--test", "--test-reporter=spec", ...files], { stdio: "inherit", env });
cleanUp();
process.exit(r.status ?? 1);
