import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { packageRoot } from "../util/paths.js";
import { createLanguageIdentifier, LANGID_DEFAULTS } from "./langid.js";
import { BATCH, LangIdServer, langIdSample, remoteLanguageIdentifier } from "./langid-server.js";
import { scriptLanguage } from "./script.js";

const multilingual = readFileSync(join(packageRoot(), "tests", "fixtures", "langid", "multilingual.jsonl"), "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => (JSON.parse(l) as { text: string }).text);

// Texts longer than the sample window (a remote client must cut the same sample as langid.ts), texts the fast
// path answers and texts only eld answers, surrogate pairs cut at the window edge, and the empty string.
const long = ["Il était une fois une petite fille qui aimait jouer dans le jardin. ".repeat(40), "x".repeat(999) + "😀 und dann ging er nach Hause, und es war gut.", "吾輩は猫である。".repeat(300), "", "   ", "12345"];

test("a remote identifier answers exactly as a local one (fast path here, eld in the server thread)", async () => {
  for (const cfg of [LANGID_DEFAULTS, { ...LANGID_DEFAULTS, fastPath: false }, { ...LANGID_DEFAULTS, sampleChars: 250 }]) {
    const local = await createLanguageIdentifier(cfg);
    const server = new LangIdServer(2, cfg);
    try {
      const a = remoteLanguageIdentifier(server.channel(0), cfg);
      const b = remoteLanguageIdentifier(server.channel(1), cfg);
      const texts = [...multilingual, ...long];
      assert.ok(texts.length > 50);
      const want = texts.map((t) => local.detect(t));
      assert.deepEqual(texts.map((t, i) => (i % 2 === 0 ? a : b).detect(t)), want);
      // Independent answers: French, German, Japanese as eld labels them.
      assert.equal(a.detect("Il était une fois une petite fille qui aimait beaucoup jouer dans le jardin avec ses amis."), "fr");
      assert.equal(b.detect("Es war einmal ein kleines Mädchen, das sehr gerne mit seinen Freunden im Garten spielte."), "de");
    } finally {
      await server.close();
    }
  }
});

test("detectMany answers a batch larger than one request exactly as local detect, in order", async () => {
  const local = await createLanguageIdentifier(LANGID_DEFAULTS);
  const server = new LangIdServer(1, LANGID_DEFAULTS);
  try {
    const id = remoteLanguageIdentifier(server.channel(0), LANGID_DEFAULTS);
    // More than two requests' worth of eld samples (at most BATCH per request), mixed with fast-path texts.
    const texts = Array.from({ length: 24 }, () => [...multilingual, ...long]).flat();
    const misses = texts.filter((t) => scriptLanguage(langIdSample(t, LANGID_DEFAULTS)) === null).length;
    assert.ok(misses > 2 * BATCH, `eld samples: ${misses}`);
    assert.deepEqual(id.detectMany(texts), texts.map((t) => local.detect(t)));
    assert.deepEqual(id.detectMany([]), []);
  } finally {
    await server.close();
  }
});

test("two worker threads share one server and get the same labels as the main thread", async () => {
  const server = new LangIdServer(2, LANGID_DEFAULTS);
  try {
    const local = await createLanguageIdentifier(LANGID_DEFAULTS);
    const src = `
      const { parentPort, workerData } = require("node:worker_threads");
      import(workerData.mod).then(({ remoteLanguageIdentifier }) => {
        const id = remoteLanguageIdentifier(workerData.ch, workerData.cfg);
        parentPort.postMessage(workerData.texts.map((t) => id.detect(t)));
      });`;
    const mod = new URL("./langid-server.js", import.meta.url).href;
    const run = (i: number): Promise<string[]> =>
      new Promise((resolve, reject) => {
        const w = new Worker(src, { eval: true, workerData: { mod, ch: server.channel(i), cfg: LANGID_DEFAULTS, texts: multilingual } });
        w.once("message", (m: string[]) => void w.terminate().then(() => resolve(m)));
        w.once("error", reject);
      });
    const [x, y] = await Promise.all([run(0), run(1)]);
    const want = multilingual.map((t) => local.detect(t));
    assert.deepEqual(x, want);
    assert.deepEqual(y, want);
  } finally {
    await server.close();
  }
});

test("after the server stops, a request that needs eld throws instead of waiting forever", async () => {
  const server = new LangIdServer(1, LANGID_DEFAULTS);
  const id = remoteLanguageIdentifier(server.channel(0), LANGID_DEFAULTS);
  assert.equal(id.detect("Es war einmal ein kleines Mädchen, das sehr gerne im Garten spielte."), "de");
  await server.close();
  // The fast path still answers locally; eld's part fails with a message.
  assert.equal(id.detect("Once upon a time, there was a little girl named Lily. She loved to play in the park."), "en");
  assert.throws(() => id.detect("Es war einmal ein kleines Mädchen, das sehr gerne im Garten spielte."), /language identification thread stopped/);
  assert.throws(() => server.channel(1), /no slot 1/);
});
