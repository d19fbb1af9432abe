// Runs every compiled test file (dist/**/*.test.js) with node's built-in test runner.
// Not here: type-check and lint (npm test runs them before this script).
import { readdirSync, statSync } from "node:fs";
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
const r = spawnSync(process.execPath, ["--test", "--test-reporter=spec", ...files], { stdio: "inherit", env });
process.exit(r.status ?? 1);
