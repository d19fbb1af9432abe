// The launcher (bin/kotodama) when its reader stops early: `kotodama … | true` exits 0 with nothing on stderr
// (before: Node's unhandled EPIPE error and its stack trace).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../../../bin/kotodama", import.meta.url));

test("kotodama: a closed stdout pipe ends the command quietly, exit 0", () => {
  for (const args of ["--help", "generate --help"]) {
    // `true` exits before Node has started, so every write of the command meets a closed pipe.
    const r = spawnSync("bash", ["-c", `set -o pipefail; ${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} ${args} | true`], { encoding: "utf8" });
    assert.equal(r.stderr, "", `kotodama ${args} | true`);
    assert.equal(r.status, 0, `kotodama ${args} | true`);
  }
});
