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
