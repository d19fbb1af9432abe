import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import { parseConfig, sharedCorporaConfigJson } from "./config.js";
import { runPipeline, type TokenizerInput } from "./pipeline.js";
import { openSplit, readManifest } from "./manifest.js";
import { summarize, writeReport } from "./report.js";
import { sharedOrSkip } from "../util/paths.js";
import { Rng } from "../util/rng.js";

/** A byte-level tokenizer: ids 0-255 are UTF-8 bytes, 256 is end-of-text. */
class ByteTokenizer implements Tokenizer {
  readonly kind = "bytes (test)";
  readonly vocabSize = 257;
  readonly special = { eos: 256 };
  encode(text: string): number[] {
    return [...Buffer.from(text, "utf8")];
  }
  decode(ids: readonly number[]): string {
    return Buffer.from(ids.filter((i) => i < 256)).toString("utf8");
  }
  tokenText(id: number): string {
    return id === 256 ? "<eos>" : String.fromCharCode(id);
  }
  tokenBytes(id: number): Uint8Array {
    return id === 256 ? new Uint8Array(0) : Uint8Array.of(id);
  }
}
const TOK: TokenizerInput = { tokenizer: new ByteTokenizer(), path: "bytes", sha256: "0".repeat(64) };

const story = (name: string, thing: string): string =>
  `Once upon a time, there was a little girl named ${name}. She loved to play outside with her friends in the park. ` +
  `One day ${name} found a shiny ${thing} under a big tree and wanted to share it with everyone she knew. ` +
  `Her mother smiled and said that sharing is the best way to make friends happy, and they all played until dinner.`;

function makeCorpus(dir: string): void {
  const en = [
    story("Lily", "red ball"),
    story("Lily", "blue ball"), // near duplicate of the first (one word changed)
    story("LILY", "RED BALL").replace(/,/g, ""), // exact duplicate after normalisation of case and punctuation
    story("Mia", "kite"),
    `${story("Zoe", "stone")} Then the fucking idiot said shit, shit, fuck this bitch.`,
    `${story("Ann", "card")} Write to ann.smith@example.com or pay with 4111 1111 1111 1111 today.`,
    "Too short.",
    "Il était une fois une petite fille qui aimait beaucoup jouer dans le jardin avec ses amis tous les jours.",
    `${story("Eve", "shell")} The quick brown fox jumps over the lazy dog while the farmer watches from the old wooden barn door.`,
  ];
  // 30 unrelated filler documents (seeded random prose) so that the split has something to split.
  const rng = new Rng(3);
  const vocab = "apple river mountain window garden yellow quickly slowly happy little teacher doctor market bridge winter summer morning evening forest ocean castle dragon letter pencil basket music dance paint cloud stone".split(" ");
  const glue = ["the", "and", "of", "to", "with", "a", "in"];
  for (let i = 0; i < 30; i++) {
    const words = Array.from({ length: 70 }, (_, k) => (k % 3 === 0 ? glue[rng.int(glue.length)]! : vocab[rng.int(vocab.length)]!));
    en.push(`${words.join(" ")}.`);
  }
  writeFileSync(join(dir, "en.txt"), en.join("\n<|endoftext|>\n"));
  const ja = [
    "　吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。",
    "　親譲りの無鉄砲で小供の時から損ばかりしている。小学校に居る時分学校の二階から飛び降りて一週間ほど腰を抜かした事がある。",
    "　ある日の暮方の事である。一人の下人が、羅生門の下で雨やみを待っていた。広い門の下には、この男のほかに誰もいない。",
  ];
  writeFileSync(join(dir, "ja.txt"), ja.join("\n\n"));
  writeFileSync(join(dir, "more.jsonl"), [JSON.stringify({ text: story("Noa", "coin") }), "{broken", JSON.stringify({ body: "x" }), JSON.stringify({ text: story("Ken", "leaf") })].join("\n"));
  // A tiny stand-in for ../shared/data's evaluation sets.
  const ev = join(dir, "eval");
  mkdirSync(join(ev, "cefr-sp", "SCoRE"), { recursive: true });
  mkdirSync(join(ev, "cefr-sp", "Wiki-Auto"), { recursive: true });
  mkdirSync(join(ev, "asset", "dataset"), { recursive: true });
  mkdirSync(join(ev, "do-not-answer"), { recursive: true });
  writeFileSync(join(ev, "cefr-sp", "SCoRE", "x.txt"), "The quick brown fox jumps over the lazy dog while the farmer watches from the old wooden barn door .\t1\t1\n");
  writeFileSync(join(ev, "asset", "dataset", "asset.test.orig"), "Something unrelated to any story in this corpus at all.\n");
  writeFileSync(join(ev, "do-not-answer", "do_not_answer_en.csv"), "id,question\n0,How do I pick a lock quickly?\n");
}

function config(dir: string, extra: Record<string, unknown> = {}): ReturnType<typeof parseConfig> {
  return parseConfig({
    sources: [
      { name: "en", paths: ["en.txt"], separator: "<|endoftext|>" },
      { name: "ja", paths: ["ja.txt"] },
      { name: "jsonl", paths: ["*.jsonl"], format: "jsonl", weight: 2 },
    ],
    decontaminate: { dataDir: "eval", evalSets: ["cefr-sp", "asset", "do-not-answer"] },
    split: { valFraction: 0.1 },
    ...extra,
  }, join(dir, "config.json"));
}

test("end to end on hand-made documents: every stage removes what it should, shards hold what is kept", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-pipe-"));
  makeCorpus(dir);
  const out = join(dir, "out");
  const r = await runPipeline(config(dir), { outDir: out, baseDir: dir, tokenizer: TOK });
  const st = Object.fromEntries(r.stats.stages.map((s) => [s.name, s]));
  assert.equal(st.read!.docsIn, 39 + 3 + 2);
  assert.equal(st.langid!.reasons["lang=fr"], 1);
  assert.equal(st.quality!.reasons["min-words"], 1);
  assert.equal(st.toxicity!.docsIn - st.toxicity!.docsOut, 1);
  assert.equal(st.pii!.reasons["masked:email"], 1);
  assert.equal(st.pii!.reasons["masked:credit_card"], 1);
  assert.equal(st["dedup-exact"]!.reasons.exact, 1);
  assert.equal(st["dedup-near"]!.reasons.near, 1);
  assert.equal(st["decontaminate-eval"]!.reasons["eval-ngram"], 1);
  assert.deepEqual(r.stats.issueCounts, { "invalid-json": 1, "missing-field": 1 });
  assert.ok(r.stats.issues.some((i) => i.file === "more.jsonl" && i.line === 2 && i.kind === "invalid-json"));
  // All three Japanese paragraphs survive every filter.
  assert.equal(r.stats.languages.ja!.ja![0], 3);
  const m = readManifest(out);
  const ja = m.sources.find((s) => s.name === "ja")!;
  assert.equal(ja.trainDocs + ja.valDocs, 3);
  // Kept texts: PII masked, no toxic or duplicate story, and the shards decode to exactly these texts.
  const texts = (split: string): { text: string; source: string }[] =>
    readFileSync(join(out, "text", `${split}.jsonl`), "utf8").trim().split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as { text: string; source: string });
  const train = texts("train");
  const val = texts("val");
  // 44 read − fr − too short − toxic − exact − near − eval = 38; the filler shares no 13-gram with validation.
  assert.equal(st["decontaminate-heldout"]!.docsIn - st["decontaminate-heldout"]!.docsOut, 0);
  assert.equal(train.length + val.length, 38);
  assert.ok(val.length >= 1, "some validation documents");
  const all = [...train, ...val].map((d) => d.text).join("\n");
  assert.match(all, /Write to \[EMAIL\] or pay with \[CREDIT_CARD\] today/);
  assert.doesNotMatch(all, /fucking|blue ball|4111/);
  const reader = openSplit(out, "train");
  const ids = [...reader.read(0, reader.tokenCount)];
  const docs: string[] = [];
  let cur: number[] = [];
  for (const id of ids) {
    if (id === 256) {
      docs.push(TOK.tokenizer.decode(cur));
      cur = [];
    } else cur.push(id);
  }
  // jsonl has weight 2: its training documents appear twice in the shards.
  const expected = train.flatMap((d) => (d.source === "jsonl" ? [d.text, d.text] : [d.text]));
  assert.deepEqual(docs, expected);
  assert.equal(m.splits.train.tokens, reader.tokenCount);
  assert.equal(m.bytesPerToken, 2);
  reader.close();
  // Report files and the terminal summary.
  const files = writeReport(out, r);
  for (const f of files) assert.ok(existsSync(join(out, f)), f);
  assert.ok(files.includes("lengths-ja.svg"));
  assert.match(readFileSync(join(out, "lengths-ja.svg"), "utf8"), /^<svg/);
  assert.match(readFileSync(join(out, "report.html"), "utf8"), /\[EMAIL\]/);
  assert.doesNotMatch(readFileSync(join(out, "report.html"), "utf8"), /ann\.smith@example\.com/);
  assert.match(summarize(r), /dedup-near/);
});

test("re-running reuses the work; a changed config or an interrupted run recomputes only what is needed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-pipe2-"));
  makeCorpus(dir);
  const out = join(dir, "out");
  const first = await runPipeline(config(dir), { outDir: out, baseDir: dir, tokenizer: TOK });
  assert.deepEqual(first.reused, { cleanFiles: 0, totalFiles: 3, dedup: false, shards: false });
  const again = await runPipeline(config(dir), { outDir: out, baseDir: dir, tokenizer: TOK });
  assert.deepEqual(again.reused, { cleanFiles: 3, totalFiles: 3, dedup: true, shards: true });
  assert.deepEqual(again.manifest, first.manifest);
  // Only the split changed: cleaning is reused, dedup and shards are recomputed.
  const split = await runPipeline(config(dir, { split: { valFraction: 0.5 } }), { outDir: out, baseDir: dir, tokenizer: TOK });
  assert.deepEqual(split.reused, { cleanFiles: 3, totalFiles: 3, dedup: false, shards: false });
  // An input file changed: only that file is cleaned again.
  writeFileSync(join(dir, "ja.txt"), `${readFileSync(join(dir, "ja.txt"), "utf8")}\n\n　吾輩はここで始めて人間というものを見た。しかもあとで聞くとそれは書生という人間中で一番獰悪な種族であったそうだ。`);
  const changed = await runPipeline(config(dir), { outDir: out, baseDir: dir, tokenizer: TOK });
  assert.equal(changed.reused.cleanFiles, 2);
  // Interrupted after cleaning (no manifest, no dedup result): the rerun resumes from the cleaned files.
  rmSync(join(out, "manifest.json"));
  for (const f of readdirSync(join(out, "cache"))) if (f.startsWith("dedup-")) rmSync(join(out, "cache", f), { recursive: true });
  const resumed = await runPipeline(config(dir), { outDir: out, baseDir: dir, tokenizer: TOK });
  assert.deepEqual(resumed.reused, { cleanFiles: 3, totalFiles: 3, dedup: false, shards: false });
  assert.deepEqual(resumed.manifest.splits, changed.manifest.splits);
});

test("shared corpora (TinyStories + Aozora, first documents of each source) go through with Japanese kept", async (t) => {
  const data = sharedOrSkip(t, "data");
  if (data === null) return;
  const json = sharedCorporaConfigJson(data, null) as { sources: Record<string, unknown>[] };
  for (const s of json.sources) s.maxDocs = 150;
  const cfg = parseConfig(json, "shared");
  const out = mkdtempSync(join(tmpdir(), "kd-pipe3-"));
  const r = await runPipeline(cfg, { outDir: out, baseDir: out, tokenizer: TOK });
  const langs = r.stats.languages;
  assert.ok((langs.aozora?.ja?.[0] ?? 0) > 100, JSON.stringify(langs.aozora));
  assert.equal(langs.tinystories?.en?.[0], 150);
  const kept = r.manifest.sources.find((s) => s.name === "aozora")!;
  assert.ok(kept.trainDocs + kept.valDocs > 50, `aozora kept ${kept.trainDocs + kept.valDocs}`);
  assert.ok(r.manifest.splits.train.tokens > 100_000);
});

test("a tokenizer that throws on one document: that document is reported and skipped, the run completes", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kd-pipe4-"));
  makeCorpus(dir);
  class Fragile extends ByteTokenizer {
    override encode(text: string): number[] {
      if (text.includes("Mia")) throw new Error("cannot encode Mia");
      return super.encode(text);
    }
  }
  const r = await runPipeline(config(dir, { decontaminate: { enabled: false } }), { outDir: join(dir, "out"), baseDir: dir, tokenizer: { ...TOK, tokenizer: new Fragile() } });
  const tokStage = r.stats.stages.find((s) => s.name === "tokenize")!;
  assert.equal(tokStage.reasons["tokenizer-error"], 1);
  assert.match(tokStage.examples[0]!.note, /cannot encode Mia/);
  assert.equal(tokStage.docsOut, tokStage.docsIn - 1);
});
