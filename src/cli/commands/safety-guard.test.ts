// `kotodama safety guard train` at the edge: a bad --direct value fails naming the flag and what was expected, before
// any data is read (the data folder given does not exist). Not here: training itself (safety/guard-*.test.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { KotodamaError } from "../../util/errors.js";
import { safety } from "./safety.js";

test("safety guard train: a bad --direct fails clearly", async () => {
  const base = ["guard", "train", "--out", "/nonexistent/kd-guard", "--data-dir", "/nonexistent/kd-data"];
  for (const bad of ["-1", "many", "2.5", ""]) {
    await assert.rejects(safety.run([...base, `--direct=${bad}`]), (e: unknown) => e instanceof KotodamaError && /--direct expects an integer in \[0, Infinity\], got/.test(e.message), `--direct ${JSON.stringify(bad)}`);
  }
});

test("safety guard lm: flag errors name the flag and what was expected, before any model is opened", async () => {
  const base = ["guard", "lm", "--out", "/nonexistent/kd-lm-guard", "--data-dir", "/nonexistent/kd-data"];
  const cases: [string[], RegExp][] = [
    [[], /--model and endpoint: give exactly one/],
    [["--model", "m", "--endpoint", "http://127.0.0.1:9"], /give exactly one/],
    [["--model", "m", "--api-model", "x"], /--api-model goes with --endpoint/],
    [["--endpoint", "http://127.0.0.1:9"], /--api-model must name the endpoint's model/],
    [["--endpoint", "http://127.0.0.1:9", "--api-model", "x", "--alternatives", "0"], /--alternatives must be 1–20 for an endpoint/],
    [["--endpoint", "http://127.0.0.1:9", "--api-model", "x", "--alternatives", "21"], /--alternatives must be an integer, 0 \(whole vocabulary, local models\) or 1–20, got 21/],
    [["--model", "m", "--format", "llama"], /--format must be one of template, policy, got "llama"/],
    [["--model", "m", "--threshold", "2"], /--threshold expects a number in \[0, 1\], got/],
    [["--model", "m", "--recall", "0.9"], /--recall sets the calibration; it needs --calibrate/],
    [["--model", "m", "--calibrate", "--thresholds", "area"], /--thresholds must be one of global, per-area, got 'area'/],
  ];
  for (const [flags, re] of cases) await assert.rejects(safety.run([...base, ...flags]), (e: unknown) => e instanceof KotodamaError && re.test(e.message), `${flags.join(" ")}: ${re}`);
});

test("safety guard train: a bad --ja-pool, --dna-ja, --howto or --features fails naming the flag and the choices", async () => {
  await assert.rejects(safety.run(["guard", "train", "--out", "/nonexistent/kd-guard", "--data-dir", "/nonexistent/kd-data", "--ja-pool", "big"]), (e: unknown) => e instanceof KotodamaError && /--ja-pool must be main or extended, got "big"/.test(e.message));
  await assert.rejects(safety.run(["guard", "train", "--out", "/nonexistent/kd-guard", "--data-dir", "/nonexistent/kd-data", "--dna-ja", "maybe"]), (e: unknown) => e instanceof KotodamaError && /--dna-ja must be on or off, got "maybe"/.test(e.message));
  await assert.rejects(safety.run(["guard", "train", "--out", "/nonexistent/kd-guard", "--data-dir", "/nonexistent/kd-data", "--language-thresholds", "both"]), (e: unknown) => e instanceof KotodamaError && /--language-thresholds must be on or off, got "both"/.test(e.message));
  await assert.rejects(safety.run(["guard", "train", "--out", "/nonexistent/kd-guard", "--data-dir", "/nonexistent/kd-data", "--howto", "yes"]), (e: unknown) => e instanceof KotodamaError && /--howto must be on or off, got "yes"/.test(e.message));
  await assert.rejects(safety.run(["guard", "train", "--out", "/nonexistent/kd-guard", "--data-dir", "/nonexistent/kd-data", "--features", "word9"]), (e: unknown) => e instanceof KotodamaError && /'features' must be one of .*word12\+char24\+fold/.test(e.message));
});
