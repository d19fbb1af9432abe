// `kotodama start`'s flags fail before any work, naming the flag and what it expects. Not here: the main job
// (start-cache.test.ts, start-brown.test.ts), the fixed-length schedule (train/budget-plan.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { KotodamaError } from "../../util/errors.js";
import { start } from "./start.js";

test("start: a bad --pretrain-steps or --until fails naming the flag and what it takes", async () => {
  for (const bad of ["0", "1.5", "many", "1e3", "", "2000000"]) {
    await assert.rejects(start.run(["--pretrain-steps", bad, "--no-serve", "--out", "/nonexistent/kd-start"]), (e: unknown) => e instanceof KotodamaError && /--pretrain-steps expects a number of steps \(an integer in \[1, 1000000\]\) or auto, got /.test(e.message), bad);
  }
  await assert.rejects(start.run(["--until", "sft", "--no-serve"]), (e: unknown) => e instanceof KotodamaError && /--until must be one of data, tokenizer, pretrain, all/.test(e.message));
});
