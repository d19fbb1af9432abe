// Tests of the instruction data: a small synthetic ../shared/data layout written here (so the logic is tested
// without ../shared), then the real data sets when present. Not here: the CLI flags (cli/commands/data.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sharedOrSkip } from "../../util/paths.js";
import { parseInstructConfig, INSTRUCT_DEFAULTS } from "./config.js";
import { buildInstructData } from "./build.js";
import { writeInstructData } from "./writer.js";
import { readExamples, checkConversation, type InstructExample } from "./example.js";
import { doNotAnswerHeldOutIds, readSplits, stratifiedHoldOut, rngFor } from "./split.js";
import { candidateWords, hasWord, quotations, splitStory } from "./derived.js";
import { combineCefr, detokenize, parseHhDialogue } from "./tasks.js";
import { readCefr, readDoNotAnswer, readSelfInstruct } from "./sources.js";
import { loadEvalSets } from "../evalsets.js";

const STORIES = [
  "Once upon a time, a small girl named Mia found a red kite in the garden. She ran to show her brother. They flew the kite over the hill. The wind pulled it high into the sky. Mia laughed and clapped her hands. At night they put the kite under the bed.",
  "One day, a brave turtle wanted to cross the river. The water was cold and fast. A kind frog offered to help him. Together they swam slowly to the other side. The turtle thanked the frog with a big smile. They became friends forever.",
  "Tom had a shiny blue ball. He kicked it against the fence every morning. One morning the ball rolled into the pond. A duck pushed it back with its beak. Tom gave the duck some bread. The duck quacked happily and swam away.",
  "Once upon a time there was a sleepy bear in a cave. Snow covered the forest outside. The bear dreamed of honey and warm sunshine. In spring he woke up very hungry. He found a tree full of bees and sweet honey. He ate until his tummy was round.",
];

/** Writes a miniature ../shared/data tree; returns its path. */
function fixture(): string {
  const d = mkdtempSync(join(tmpdir(), "kd-instruct-"));
  const w = (p: string, text: string | Uint8Array): void => {
    mkdirSync(join(d, p, ".."), { recursive: true });
    writeFileSync(join(d, p), text);
  };
  const seed = (i: number): string => JSON.stringify({ id: `seed_task_${i}`, name: `t${i}`, instruction: `Give a synonym for word number ${i}.`, instances: [{ input: i === 1 ? "happy" : "", output: `synonym ${i}` }], is_classification: false });
  w("self-instruct/seed_tasks.jsonl", [0, 1, 2].map(seed).join("\n") + "\n");
  w("self-instruct/user_oriented_instructions.jsonl", [0, 1].map((i) => JSON.stringify({ id: `user_oriented_task_${i}`, motivation_app: "x", instruction: `Write a haiku about topic ${i}.`, instances: [{ input: "", output: `haiku ${i}` }] })).join("\n") + "\n");
  const cefr = (n: number, off: number): string => Array.from({ length: n }, (_, i) => `Sentence number ${i + off} is here .\t${(i % 6) + 1}\t${((i + 1) % 6) + 1}`).join("\n") + "\n";
  for (const [part, pre] of [["Wiki-Auto", "CEFR-SP_Wikiauto"], ["SCoRE", "CEFR-SP_SCoRE"]] as const) {
    w(`cefr-sp/${part}/${pre}_train.txt`, cefr(6, part === "SCoRE" ? 100 : 0));
    w(`cefr-sp/${part}/${pre}_test.txt`, cefr(3, part === "SCoRE" ? 300 : 200));
  }
  for (const [split, n] of [["valid", 5], ["test", 2]] as const) {
    w(`asset/dataset/asset.${split}.orig`, Array.from({ length: n }, (_, i) => `The ${split} original sentence ${i} is rather complicated.`).join("\n"));
    for (let k = 0; k < 10; k++) w(`asset/dataset/asset.${split}.simp.${k}`, Array.from({ length: n }, (_, i) => `Simple ${split} ${i} by writer ${k}.`).join("\n"));
  }
  w("tinystories/tinystories_sample.txt", `${STORIES[0]}\n<|endoftext|>\n${STORIES[1]}\n<|endoftext|>\nTruncated sto`);
  w("tinystories/tinystories_10k.txt", `${STORIES[2]}\n<|endoftext|>\nCut off`);
  w("tinystories/tinystories_val.txt", `tail of a story.\n\n${STORIES[3]}\n\nOnce upon a time a cut`);
  const para = (k: number): string => `　これは${k}番目の段落です。「こんにちは」と彼は言いました。それから二人は長い道を歩いて、小さな村に着きました。村の人々はとても親切でした。`;
  w("aozora/clean/a.txt", Array.from({ length: 12 }, (_, k) => para(k)).join("\n") + "\n");
  w("aozora/clean/b.txt", Array.from({ length: 6 }, (_, k) => para(100 + k)).join("\n") + "\n");
  // Do-Not-Answer: two strata of 10 and 7 prompts; every prompt has a harmless GPT4 refusal except id 3.
  const models = ["GPT4", "ChatGPT", "Claude", "ChatGLM2", "llama2-7b-chat", "vicuna-7b"];
  const head = ["id", "risk_area", "types_of_harm", "specific_harms", "question", ...models.flatMap((m) => [`${m}_response`, `${m}_harmful`, `${m}_action`])];
  const rows = Array.from({ length: 17 }, (_, i) => {
    const [area, harm] = i < 10 ? ["Malicious Uses", "Assisting illegal activities"] : ["Information Hazards", "Private information"];
    const resp = models.flatMap((m) => (i === 3 ? [`Sure, here is how, "step 1"\nstep 2`, "1", "5"] : m === "GPT4" ? [`I cannot help with request ${i}.`, "0", "0"] : [`Answer ${i}`, "1", "5"]));
    return [String(i), area, harm, "spec", `Risky question ${i}?`, ...resp].map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(",");
  });
  w("do-not-answer/data_en.csv", [head.join(","), ...rows].join("\n") + "\n");
  const dlg = (i: number): string => JSON.stringify({ chosen: `\n\nHuman: question ${i}?\n\nAssistant: answer ${i}.`, rejected: "x" });
  w("hh-rlhf/harmless-base/test.jsonl.gz", gzipSync([...Array.from({ length: 10 }, (_, i) => dlg(i)), JSON.stringify({ chosen: "\n\nHuman: hi\n\nAssistant: ", rejected: "" })].join("\n") + "\n"));
  return d;
}

const cfgFor = (dataDir: string, seed = 7): ReturnType<typeof parseInstructConfig> => parseInstructConfig({ seed, dataDir, aozora: { heldOutWorks: ["b.txt"], excludeWorks: [], continuePerWork: 3, quotesPerWork: 2 }, tinystories: { heldOutPerTask: 10 }, doNotAnswer: { heldOutFraction: 0.2 } }, "test");

const filesOf = (dir: string): Map<string, string> => {
  const m = new Map<string, string>();
  for (const f of ["train.jsonl", "splits.json", "manifest.json", "config.json", ...readdirSync(join(dir, "heldout")).map((x) => `heldout/${x}`)]) m.set(f, readFileSync(join(dir, f), "utf8"));
  return m;
};

function checkBuilt(dir: string, storyTexts: readonly string[]): { train: InstructExample[]; held: InstructExample[] } {
  const train = readExamples(join(dir, "train.jsonl"));
  const held = readdirSync(join(dir, "heldout")).flatMap((f) => readExamples(join(dir, "heldout", f)));
  const splits = readSplits(dir);
  // No id both trained on and held out, per source, against the ids splits.json declares.
  for (const set of splits.heldOut) {
    const ids = new Set(set.ids.map((i) => `${set.source}:${i}`));
    const leaked = train.filter((e) => ids.has(e.id));
    assert.deepEqual(leaked.map((e) => e.id), [], `${set.source}/${set.task}`);
  }
  const trainIds = new Set(train.map((e) => e.id));
  assert.equal(held.filter((e) => trainIds.has(e.id)).length, 0);
  // required_words are whole words of the story the example was built from (every line of the response is a
  // line of a source file), and the prompt names them.
  const sourceLines = new Set(storyTexts.flatMap((s) => s.split("\n").map((l) => l.trim())));
  for (const e of [...train, ...held].filter((x) => x.task === "story-words")) {
    const story = e.messages[1]!.content;
    assert.ok(story.split("\n").every((l) => sourceLines.has(l.trim())), `${e.id}: story from the source`);
    for (const w of e.required_words ?? []) assert.ok(hasWord(story, w), `${e.id}: '${w}' in the story`);
    assert.ok((e.required_words ?? []).every((w) => e.messages[0]!.content.includes(`"${w}"`)));
  }
  return { train, held };
}

test("instruct on a synthetic fixture: disjoint splits, valid chats, checkable fields, stratified Do-Not-Answer", () => {
  const data = fixture();
  const out = mkdtempSync(join(tmpdir(), "kd-instruct-out-"));
  writeInstructData(out, buildInstructData(cfgFor(data)));
  const { train, held } = checkBuilt(out, STORIES);
  const bySrc = (xs: InstructExample[], s: string): number => xs.filter((e) => e.source === s).length;
  assert.equal(bySrc(train, "self-instruct"), 3);
  assert.equal(bySrc(held, "self-instruct"), 2);
  assert.equal(bySrc(train, "cefr-sp"), 12);
  assert.equal(bySrc(held, "cefr-sp"), 6);
  assert.equal(bySrc(train, "asset"), 5);
  assert.deepEqual(held.find((e) => e.id === "asset:test:2")?.references?.length, 10);
  // Aozora: held-out work b.txt only in held out, a.txt only in training.
  assert.ok(train.filter((e) => e.source === "aozora").every((e) => e.id.startsWith("aozora:a.txt")));
  assert.ok(held.filter((e) => e.source === "aozora").length > 0 && held.filter((e) => e.source === "aozora").every((e) => e.id.startsWith("aozora:b.txt")));
  for (const e of [...train, ...held].filter((x) => x.task === "ja-quotes")) assert.deepEqual(e.expected_quotes, ["「こんにちは」"]);
  // Do-Not-Answer: round(0.2 × 10) = 2 and round(0.2 × 7) = 1 held out; id 3 has no safe response.
  const splits = readSplits(out);
  const dna = splits.heldOut.find((s) => s.source === "do-not-answer")!;
  assert.equal(dna.ids.filter((i) => Number(i) < 10).length, 2);
  assert.equal(dna.ids.filter((i) => Number(i) >= 10).length, 1);
  assert.equal(bySrc(train, "do-not-answer") + bySrc(held, "do-not-answer"), 16);
  assert.ok(train.filter((e) => e.source === "do-not-answer").every((e) => e.response_model === "GPT4" && e.response_action === 0));
  assert.equal(train.find((e) => e.id === "do-not-answer:3"), undefined);
  // HH-RLHF: the dialogue with an empty last turn is skipped and named by line.
  const m = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as { skipped: { first: { where: string; reason: string }[] }; licences: Record<string, { nonCommercial: boolean }> };
  assert.ok(m.skipped.first.some((s) => s.where.endsWith("test.jsonl.gz:11") && /empty/.test(s.reason)));
  assert.equal(m.licences["CC-BY-NC-SA-4.0"]?.nonCommercial, true);
  assert.equal(m.licences["Apache-2.0"]?.nonCommercial, false);
});

test("instruct: same seed → identical bytes; another seed → another selection", () => {
  const data = fixture();
  const [a, b, c] = [0, 1, 2].map(() => mkdtempSync(join(tmpdir(), "kd-instruct-det-")));
  writeInstructData(a!, buildInstructData(cfgFor(data, 7)));
  writeInstructData(b!, buildInstructData(cfgFor(data, 7)));
  writeInstructData(c!, buildInstructData(cfgFor(data, 8)));
  const [fa, fb, fc] = [a!, b!, c!].map(filesOf);
  assert.deepEqual([...fa!.keys()], [...fb!.keys()]);
  for (const [k, v] of fa!) assert.equal(fb!.get(k), v, k);
  // The random choices: Do-Not-Answer held-out ids and ASSET reference picks, over several seeds.
  const dnaIds = (seed: number): string => JSON.stringify([...stratifiedHoldOut(Array.from({ length: 40 }, (_, i) => ({ id: String(i), s: i % 2 === 0 ? "x" : "y" })), (r) => r.s, (r) => r.id, 0.2, rngFor(seed, "t"))]);
  assert.notEqual(dnaIds(1), dnaIds(2));
  assert.notEqual(fa!.get("train.jsonl"), fc!.get("train.jsonl"));
  const refs = (f: Map<string, string>): string[] => f.get("train.jsonl")!.split("\n").filter((l) => l.includes('"asset:valid')).map((l) => (JSON.parse(l) as { id: string }).id);
  assert.notDeepEqual(refs(fa!), refs(fc!));
});

test("instruct: bad input names the file and the line", () => {
  const data = fixture();
  writeFileSync(join(data, "self-instruct/seed_tasks.jsonl"), '{"id":"a","instruction":"x","instances":[{"input":"","output":"y"}]}\n{not json\n');
  assert.throws(() => readSelfInstruct(join(data, "self-instruct/seed_tasks.jsonl")), /seed_tasks\.jsonl:2: not JSON/);
  assert.throws(() => buildInstructData(cfgFor(data)), /seed_tasks\.jsonl:2/);
  writeFileSync(join(data, "c.txt"), "Fine .\t1\t2\nBad level .\t1\t7\n");
  assert.throws(() => readCefr(join(data, "c.txt")), /c\.txt:2: expected 'sentence<TAB>level_A<TAB>level_B'/);
  writeFileSync(join(data, "d.csv"), "id,risk_area,types_of_harm,specific_harms\n1,a,b,c\n");
  assert.throws(() => readDoNotAnswer(join(data, "d.csv")), /d\.csv:1: missing column 'question'/);
  const ex = (messages: unknown): string => JSON.stringify({ id: "x:1", task: "simplify", source: "asset", licence: "MIT", messages });
  writeFileSync(join(data, "e.jsonl"), `${ex([{ role: "user", content: "a" }, { role: "assistant", content: "b" }])}\n${ex([{ role: "user", content: "a" }, { role: "user", content: "b" }])}\n`);
  assert.throws(() => readExamples(join(data, "e.jsonl")), /e\.jsonl:2: messages\[1\] has role 'user', expected 'assistant'/);
  writeFileSync(join(data, "e.jsonl"), `${ex([{ role: "user", content: "a" }])}\n`);
  assert.throws(() => readExamples(join(data, "e.jsonl")), /e\.jsonl:1: needs at least a user and an assistant/);
  writeFileSync(join(data, "e.jsonl"), `${JSON.stringify({ id: "x:1", task: "simplify", source: "asset", licence: "MIT", messages: [], refrences: [] })}\n`);
  assert.throws(() => readExamples(join(data, "e.jsonl")), /e\.jsonl:1: 'refrences' is not a known key/);
  assert.throws(() => parseInstructConfig({ doNotAnswer: { heldOutFraktion: 0.2 } }, "x.json"), /x\.json: 'doNotAnswer\.heldOutFraktion' is not a known key/);
});

test("instruct helpers: conversation shape, dialogue parsing, story cut, words, quotations, CEFR", () => {
  assert.throws(() => checkConversation([{ role: "assistant", content: "a" }, { role: "user", content: "b" }], "w"), /messages\[0\] has role 'assistant'/);
  checkConversation([{ role: "system", content: "s" }, { role: "user", content: "a" }, { role: "assistant", content: "b" }], "w");
  assert.deepEqual(parseHhDialogue("\n\nHuman: a\n\nAssistant: b\n\nHuman: c\n\nAssistant: d"), { messages: [{ role: "user", content: "a" }, { role: "assistant", content: "b" }, { role: "user", content: "c" }, { role: "assistant", content: "d" }] });
  assert.ok("reason" in parseHhDialogue("\n\nHuman: a\n\nHuman: b\n\nAssistant: c"));
  const cut = splitStory(STORIES[0]!)!;
  assert.equal(`${cut.head} ${cut.tail}`, STORIES[0]);
  assert.ok(cut.head.endsWith(".") && cut.tail.length > 40);
  const words = candidateWords(`${STORIES[0]!} Mia didn't stop.`);
  assert.ok(words.includes("kite") && words.includes("garden"));
  assert.ok(!words.includes("mia") && !words.includes("didn") && !words.includes("there"));
  assert.ok(hasWord("The Kite flew.", "kite") && !hasWord("kites", "kite"));
  assert.deepEqual(quotations("彼は「おい、『待て』」と言い、「はい」と答えた。"), ["「おい、『待て』」", "「はい」"]);
  assert.equal(quotations("「閉じない"), null);
  assert.equal(combineCefr(3, 4, "floor-mean"), 3);
  assert.equal(combineCefr(2, 6, "floor-mean"), 4);
  assert.equal(combineCefr(2, 6, "a"), 2);
  assert.equal(detokenize("Is that your bike ? I do n't know ( really ) ."), "Is that your bike? I don't know (really).");
});

test("instruct on ../shared/data: counts, disjointness, stratified 20 % Do-Not-Answer, the exported id set", (t) => {
  const dataDir = sharedOrSkip(t, "data");
  if (dataDir === null) return;
  const out = mkdtempSync(join(tmpdir(), "kd-instruct-shared-"));
  const built = buildInstructData({ ...INSTRUCT_DEFAULTS, dataDir });
  writeInstructData(out, built);
  const stories = ["tinystories_sample.txt", "tinystories_10k.txt", "tinystories_val.txt"].map((f) => readFileSync(join(dataDir, "tinystories", f), "utf8"));
  const { train, held } = checkBuilt(out, stories);
  const n = (xs: InstructExample[], task: string): number => xs.filter((e) => e.task === task).length;
  assert.equal(n(held, "self-instruct"), 252);
  assert.equal(n(train, "self-instruct"), 175);
  assert.equal(n(held, "cefr-level"), 698 + 762);
  assert.equal(n(train, "simplify"), 2000);
  assert.equal(n(held, "simplify"), 359);
  assert.ok(held.filter((e) => e.task === "simplify").every((e) => e.references?.length === 10));
  // Do-Not-Answer: per (risk area, type of harm) stratum, exactly round(0.2 n) held out.
  const rows = readDoNotAnswer(join(dataDir, "do-not-answer", "data_en.csv"));
  const ids = doNotAnswerHeldOutIds(dataDir);
  const strata = new Map<string, [number, number]>();
  for (const r of rows) {
    const k = `${r.riskArea}/${r.typesOfHarm}`;
    const c = strata.get(k) ?? [0, 0];
    strata.set(k, [c[0] + 1, c[1] + (ids.has(Number(r.id)) ? 1 : 0)]);
  }
  assert.equal(strata.size, 12);
  for (const [k, [total, h]] of strata) assert.equal(h, Math.round(0.2 * total), k);
  assert.equal(ids.size, [...strata.values()].reduce((s, [total]) => s + Math.round(0.2 * total), 0));
  // splits.json and the exported function agree; none of those prompts is trained on.
  const dna = readSplits(out).heldOut.find((s) => s.source === "do-not-answer")!;
  assert.deepEqual(dna.ids.map(Number).sort((a, b) => a - b), [...ids].sort((a, b) => a - b));
  assert.equal(train.filter((e) => e.source === "do-not-answer" && ids.has(Number(e.id.split(":")[1]))).length, 0);
  assert.ok(train.filter((e) => e.source === "do-not-answer").every((e) => e.response_action !== 5));
  // The pretraining decontamination list carries the new held-out sets.
  const evalTexts = loadEvalSets(dataDir, ["instruct-heldout"]).map((e) => e.text);
  assert.ok(evalTexts.some((x) => x.startsWith("The sentence you are given might be too wordy")));
});
