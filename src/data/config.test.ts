import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfig, PIPELINE_DEFAULTS, sharedCorporaConfigJson } from "./config.js";

const one = { sources: [{ name: "s", paths: ["a.txt"] }] };

test("defaults fill everything not given; given values override", () => {
  const c = parseConfig({ ...one, quality: { spaced: { minWords: 20 } }, dedup: { minhash: { threshold: 0.8 } } });
  assert.equal(c.quality.spaced.minWords, 20);
  assert.equal(c.quality.spaced.maxWords, PIPELINE_DEFAULTS.quality.spaced.maxWords);
  assert.equal(c.dedup.minhash.threshold, 0.8);
  assert.equal(c.dedup.minhash.bands, 24);
  assert.equal(c.sources[0]!.separator, "\n\n");
  assert.deepEqual(c.langid.keep, ["ja", "en"]);
});

test("unknown keys, wrong types and bad values are errors naming the key", () => {
  assert.throws(() => parseConfig({ ...one, qualty: {} }, "my.json"), /my\.json: 'qualty' is not a known key/);
  assert.throws(() => parseConfig({ ...one, quality: { spaced: { minWrods: 3 } } }), /'quality\.spaced\.minWrods' is not a known key/);
  assert.throws(() => parseConfig({ ...one, split: { valFraction: "0.1" } }), /'split\.valFraction' expects a number/);
  assert.throws(() => parseConfig({ sources: [{ name: "s", paths: ["a"], fromat: "text" }] }), /'sources\[0\]\.fromat' is not a known key/);
  assert.throws(() => parseConfig({ sources: [{ name: "s", paths: ["a"], format: "xml" }] }), /'sources\[0\]\.format' must be/);
  assert.throws(() => parseConfig({ sources: [{ name: "s", paths: ["a"], separator: "a\nb" }] }), /separator/);
  assert.throws(() => parseConfig({ sources: [] }), /'sources' must be a non-empty array/);
  assert.throws(() => parseConfig({ ...one, dedup: { minhash: { permutations: 100, bands: 30 } } }), /multiple of bands/);
  assert.throws(() => parseConfig({ ...one, pii: { kinds: ["ssn"] } }), /'pii\.kinds' entries must be among/);
  assert.throws(() => parseConfig({ ...one, quality: { spaced: { topNgram: [[2]] } } }), /expects \[number, number\]/);
  assert.equal(parseConfig({ sources: [{ name: "s", paths: ["a"], separator: null, maxDocs: 5 }] }).sources[0]!.maxDocs, 5);
});

test("the shared-corpora config parses", () => {
  const c = parseConfig(sharedCorporaConfigJson("/x/data", "/y/builds"));
  assert.deepEqual(c.sources.map((s) => s.name), ["tinystories", "tinystories-json", "aozora", "nlp-corpus"]);
  assert.equal(c.sources[1]!.jsonKey, "texts");
});
