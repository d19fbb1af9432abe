// Regenerates catalogue.json (the `kotodama pull` catalogue) from the upstream sources listed below and the
// byte-identical copies in ../shared: sizes and sha256 are computed from ../shared's files, never downloaded.
// Not here: downloading (src/pull), the catalogue check (src/pull/catalogue.test.ts).
// Usage: node dev/pull/build-catalogue.mjs [SHARED_DIR]   (default ../shared)
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";

const shared = resolve(process.argv[2] ?? "../shared");
const data = join(shared, "data");
const sha = (b) => createHash("sha256").update(b).digest("hex");
const gitBlob = (b) => createHash("sha1").update(`blob ${b.length}\0`).update(b).digest("hex");
const raw = (repo, commit, path) => `https://raw.githubusercontent.com/${repo}/${commit}/${path}`;

/** A file copied byte for byte: url → ../shared/<local>. */
function copied(local, repo, commit, upstream) {
  const b = readFileSync(join(shared, local));
  return { path: local.replace(/^(data|reference)\//, ""), url: raw(repo, commit, upstream), size: b.length, sha256: sha(b) };
}

function tsv(file) {
  const [head, ...rows] = readFileSync(file, "utf8").trim().split("\n").map((l) => l.split("\t"));
  return rows.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
}

/** One of our own small metadata files, stored in the catalogue itself. */
function inline(local) {
  const text = readFileSync(join(shared, local), "utf8");
  return { path: local.replace(/^data\//, ""), text, sha256: sha(Buffer.from(text)) };
}

const tinystories = tsv(join(data, "tinystories", "manifest.tsv")).map((r) =>
  copied(`data/tinystories/${r.file}`, r.source_repo, r.source_commit, r.source_path.split(" ")[0]),
);

// Aozora: upstream is Shift_JIS (CP932); ../shared/data/aozora/raw is that file decoded to UTF-8. The catalogue
// holds the upstream bytes' size and sha256 (re-encoded here with iconv and checked against the manifest's git
// blob id) and the decoded file's size and sha256; clean/ is derived by src/pull/aozora-clean.ts and checked.
const aozora = [];
for (const r of tsv(join(data, "aozora", "manifest.tsv"))) {
  const utf8 = readFileSync(join(data, "aozora", "raw", r.file));
  const sjis = execFileSync("iconv", ["-f", "UTF-8", "-t", "CP932", join(data, "aozora", "raw", r.file)], { maxBuffer: 1 << 26 });
  if (gitBlob(sjis) !== r.source_blob) throw new Error(`${r.file}: re-encoded CP932 bytes do not match the manifest's git blob ${r.source_blob}`);
  const clean = readFileSync(join(data, "aozora", "clean", r.file));
  aozora.push({
    path: `aozora/raw/${r.file}`, url: raw(r.source_repo, r.source_commit, r.source_path), size: sjis.length, sha256: sha(sjis),
    decode: "cp932", decodedSize: utf8.length, decodedSha256: sha(utf8),
    derived: { path: `aozora/clean/${r.file}`, by: "aozora-clean", size: clean.length, sha256: sha(clean) },
  });
}

const DNA = ["kunishou/do-not-answer-ja", "1380ff2ff5abad07e8aead79caa9757bb8d9f866"];
const CEFR = ["yukiar/CEFR-SP", "43738f774475ed7fc5c485137654307df7349021"];
const ASSET = ["facebookresearch/asset", "9d659040d0d8942dbc4cd65cf357563b43fd9ab4"];
const SI = ["yizhongw/self-instruct", "0b26ccaa415992100fa32df62d41b994cf928e23"];
const HH = ["anthropics/hh-rlhf", "354e5c3cb8960630860dd5774a6ac2a58313bf4d"];
const XS = ["paul-rottger/exaggerated-safety", "d7bb5bd738c1fcbc36edd83d5e7d1b71a3e2d84d"];
const JG = ["yahoojapan/JGLUE", "6f071c09316baae89c3d083a90985b4b1cb9968c"];
const same = (dir, [repo, commit], files, prefix = "") => files.map((f) => copied(`data/${dir}/${f}`, repo, commit, `${prefix}${f}`));
const assetSplits = ["valid", "test"].flatMap((s) => [`dataset/asset.${s}.orig`, ...Array.from({ length: 10 }, (_, i) => `dataset/asset.${s}.simp.${i}`)]);

const hf = (repo, path) => `https://huggingface.co/${repo}/resolve/main/${path}`;
function hubCopy(local, repo, upstream) {
  const b = readFileSync(join(shared, local));
  return { path: local.split("/").pop(), url: hf(repo, upstream), size: b.length, sha256: sha(b) };
}

const entries = [
  { name: "tinystories", kind: "data", license: "CDLA-Sharing-1.0", nonCommercial: false, url: "https://huggingface.co/datasets/roneneldan/TinyStories",
    description: "TinyStories extracts (Eldan & Li 2023): 2 MiB of V1 train, 10k lines of V2 train, a 3,000-story JSON, V1 validation", files: tinystories },
  { name: "aozora", kind: "data", license: "public-domain", nonCommercial: false, url: "https://github.com/aozorahack/aozorabunko_text",
    description: "23 Japanese works from Aozora Bunko (Sōseki, Akutagawa, Miyazawa): Shift_JIS decoded to raw/, markup removed in clean/", files: aozora,
    inline: [inline("data/aozora/manifest.tsv")] },
  { name: "do-not-answer", kind: "data", license: "CC-BY-NC-SA-4.0", nonCommercial: true, url: "https://github.com/Libr-AI/do-not-answer",
    description: "Do-Not-Answer (Wang et al. 2023): 939 risky prompts, 6 models' responses with human labels",
    files: [...same("do-not-answer", DNA, ["do_not_answer_en.csv"], "datasets/Instruction/"), ...same("do-not-answer", DNA, ["data_en.csv", "README.md"], "datasets/")] },
  { name: "xstest", kind: "data", license: "CC-BY-4.0", nonCommercial: false, url: "https://github.com/paul-rottger/exaggerated-safety",
    description: "XSTest (Röttger et al. 2024): 250 safe look-alike prompts + 200 unsafe contrasts", files: same("xstest", XS, ["xstest_prompts.csv", "LICENSE"]) },
  { name: "hh-rlhf", kind: "data", license: "MIT", nonCommercial: false, url: "https://github.com/anthropics/hh-rlhf",
    description: "Anthropic HH-RLHF harmless-base test split: 2,312 chosen/rejected pairs", files: same("hh-rlhf", HH, ["harmless-base/test.jsonl.gz", "LICENSE", "README.md"]) },
  { name: "cefr-sp", kind: "data", license: "CC-BY-SA-3.0 (Wiki-Auto) + CC-BY-NC-SA-4.0 (SCoRE)", nonCommercial: true, url: "https://github.com/yukiar/CEFR-SP",
    description: "CEFR-SP (Arase et al. 2022): 10,004 English sentences with CEFR levels",
    files: same("cefr-sp", CEFR, ["README.md", ...["train", "dev", "test"].flatMap((s) => [`SCoRE/CEFR-SP_SCoRE_${s}.txt`, `Wiki-Auto/CEFR-SP_Wikiauto_${s}.txt`])], "CEFR-SP/") },
  { name: "asset", kind: "data", license: "CC-BY-NC-4.0", nonCommercial: true, url: "https://github.com/facebookresearch/asset",
    description: "ASSET (Alva-Manchego et al. 2020): sentence simplification, 10 references each, human ratings",
    files: same("asset", ASSET, [...assetSplits, "human_ratings/human_ratings.csv", "human_ratings/README.md", "LICENSE", "README.md"]) },
  { name: "self-instruct", kind: "data", license: "Apache-2.0", nonCommercial: false, url: "https://github.com/yizhongw/self-instruct",
    description: "Self-Instruct (Wang et al. 2022): 175 seed tasks + 252 user-oriented instructions",
    files: [copied("data/self-instruct/seed_tasks.jsonl", SI[0], SI[1], "data/seed_tasks.jsonl"), copied("data/self-instruct/user_oriented_instructions.jsonl", SI[0], SI[1], "human_eval/user_oriented_instructions.jsonl"), copied("data/self-instruct/LICENSE", SI[0], SI[1], "LICENSE")] },
  { name: "jglue", kind: "data", license: "CC-BY-SA-4.0", nonCommercial: false, url: "https://github.com/yahoojapan/JGLUE",
    description: "JGLUE (Kurihara et al. 2022): JSQuAD valid, JCommonsenseQA and JSTS train/valid",
    files: [...same("jglue", JG, ["jsquad-v1.3/valid-v1.3.json", "jcommonsenseqa-v1.3/train-v1.3.json", "jcommonsenseqa-v1.3/valid-v1.3.json", "jsts-v1.3/train-v1.3.json", "jsts-v1.3/valid-v1.3.json"], "datasets/"), copied("data/jglue/LICENSE", JG[0], JG[1], "LICENSE")] },
  { name: "stories260K", kind: "model", license: "MIT", nonCommercial: false, url: "https://huggingface.co/karpathy/tinyllamas",
    description: "llama2.c's 260K-parameter TinyStories model (A. Karpathy) and its 512-token tokenizer, llama2.c format",
    files: [hubCopy("reference/stories260K/stories260K.bin", "karpathy/tinyllamas", "stories260K/stories260K.bin"), hubCopy("reference/stories260K/tok512.bin", "karpathy/tinyllamas", "stories260K/tok512.bin")] },
];
for (const e of entries) for (const f of e.files) if (f.size >= 4 * 1024 * 1024) throw new Error(`${f.path}: over 4 MiB`);
const out = { version: 1, note: "Generated by dev/pull/build-catalogue.mjs from ../shared; see docs/pull.md. sha256 of a multi-file entry (in `kotodama pull --list`) is that of its sha256sum-style listing.", entries };
writeFileSync("catalogue.json", `${JSON.stringify(out, null, 1)}\n`);
console.log(`catalogue.json: ${entries.length} entries, ${entries.reduce((n, e) => n + e.files.length, 0)} files`);
