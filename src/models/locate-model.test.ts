// Model names resolved by the lookup order when the argument is not a path: ../shared/reference/NAME, a catalogue
// model in the cache, the pull hint for a name found nowhere, a plain "cannot open" for a mistyped path (no pull
// hint), and loadModel("stories260K") opening the real reference model from ../shared.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { cacheModelDir } from "../pull/home.js";
import { sharedOrSkip } from "../util/paths.js";
import { loadModel } from "./load.js";
import { resolveModelArg } from "./locate-model.js";

test("resolveModelArg: shared reference folder → its GGUF; cache catalogue model → its .bin; HF folder kept; missing names get the pull command", () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-locate-model-"));
  try {
    const shared = join(dir, "shared");
    const home = join(dir, "home");
    mkdirSync(join(shared, "reference", "tiny"), { recursive: true });
    for (const f of ["tiny.bin", "tiny.gguf", "tok512.bin"]) writeFileSync(join(shared, "reference", "tiny", f), "x");
    mkdirSync(join(shared, "reference", "hf"), { recursive: true });
    writeFileSync(join(shared, "reference", "hf", "config.json"), "{}");
    const opt = { shared, home };
    assert.deepEqual(resolveModelArg("tiny", "ENOENT", opt), { path: join(shared, "reference", "tiny", "tiny.gguf"), note: `tiny: ${join(shared, "reference", "tiny", "tiny.gguf")} (../shared/reference)` });
    assert.equal(resolveModelArg("hf", "ENOENT", opt).path, join(shared, "reference", "hf"));
    // stories260K as `kotodama pull` leaves it in the cache: the checkpoint, not the tokenizer file.
    const cached = cacheModelDir("stories260K", home);
    mkdirSync(cached, { recursive: true });
    for (const f of ["stories260K.bin", "tok512.bin"]) writeFileSync(join(cached, f), "x");
    assert.deepEqual(resolveModelArg("stories260K", "ENOENT", { shared: null, home }), { path: join(cached, "stories260K.bin"), note: `stories260K: ${join(cached, "stories260K.bin")} (the kotodama pull cache)` });
    assert.throws(() => resolveModelArg("user/model:Q8_0", "ENOENT", { shared: null, home }), /cannot open model: not a path; user\/model:Q8_0 is not a path, not in \.\.\/shared\/reference and not in .*; fetch with: kotodama pull user\/model:Q8_0/);
    assert.throws(() => resolveModelArg("nothing-here", "ENOENT", opt), /fetch with: kotodama pull nothing-here/);
    for (const typo of ["./runs/defualt", "/abs/model.gguf", "../x"]) {
      assert.throws(() => resolveModelArg(typo, "ENOENT: no such file", opt), (e: Error) => /cannot open model: ENOENT: no such file/.test(e.message) && !/kotodama pull/.test(e.message));
    }
    const existing = join(shared, "reference", "tiny", "tiny.gguf");
    assert.deepEqual(resolveModelArg(existing, "", opt), { path: existing, note: null });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("loadModel('stories260K') opens ../shared/reference/stories260K/stories260K.gguf and says where it found it", (t) => {
  const ref = sharedOrSkip(t, "reference", "stories260K", "stories260K.gguf");
  if (ref === null) return;
  const m = loadModel("stories260K");
  assert.equal(m.path, ref);
  assert.equal(m.config.vocabSize, 512);
  assert.match(m.notes[0] ?? "", /^stories260K: .*stories260K\.gguf \(\.\.\/shared\/reference\)$/);
});
