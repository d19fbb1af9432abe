// llama.cpp's tokenizer test vocabularies (models/ggml-vocab-*.gguf with their .inp/.out vectors), taken from the
// llama.cpp source that node-llama-cpp ships as a git bundle (llama/gitRelease.bundle: the very commit whose
// prebuilt binary is the tests' oracle), extracted once into a cache folder with the local git. No network.
// Not here: the tests that read them (src/tokenizer/vectors.test.ts, tests/tokenizer-llamacpp.test.ts).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** The folder holding llama.cpp's ggml-vocab-* files, or { reason } when they cannot be had. */
export function llamaVocabDir() {
  let bundle;
  try {
    const entry = createRequire(import.meta.url).resolve("node-llama-cpp");
    bundle = join(dirname(entry), "..", "llama", "gitRelease.bundle");
  } catch (e) {
    return { reason: `node-llama-cpp is not installed (${e.message.split("\n")[0]})` };
  }
  if (!existsSync(bundle)) return { reason: `${bundle} is absent` };
  const git = (args, cwd) => spawnSync("git", args, { cwd, encoding: "utf8", maxBuffer: 1 << 26 });
  const heads = git(["bundle", "list-heads", bundle]);
  if (heads.status !== 0) return { reason: `git cannot read ${bundle}: ${(heads.stderr || heads.error?.message || "").trim()}` };
  const commit = heads.stdout.trim().split(/\s+/)[0];
  const dir = join(tmpdir(), `kotodama-llama-vocab-${commit.slice(0, 12)}`);
  if (existsSync(join(dir, ".complete"))) return { dir, commit };
  const work = `${dir}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const steps = [
    ["init", "--quiet", "--bare", "repo.git"],
    ["--git-dir", "repo.git", "fetch", "--quiet", bundle, commit],
  ];
  for (const s of steps) {
    const r = git(s, work);
    if (r.status !== 0) return { reason: `git ${s.join(" ")} failed: ${(r.stderr || "").trim()}` };
  }
  const files = git(["--git-dir", "repo.git", "ls-tree", "--name-only", commit, "models/"], work);
  const wanted = files.stdout.split("\n").filter((p) => /^models\/ggml-vocab-[^/]+$/.test(p));
  mkdirSync(join(work, "out"));
  for (const p of wanted) {
    const r = spawnSync("git", ["--git-dir", "repo.git", "cat-file", "blob", `${commit}:${p}`], { cwd: work, maxBuffer: 1 << 28 });
    if (r.status !== 0) return { reason: `git cat-file ${p} failed` };
    spawnSync("sh", ["-c", `cat > "out/${p.slice("models/".length)}"`], { cwd: work, input: r.stdout });
  }
  rmSync(join(work, "repo.git"), { recursive: true, force: true });
  spawnSync("sh", ["-c", "touch out/.complete"], { cwd: work });
  rmSync(dir, { recursive: true, force: true });
  renameSync(join(work, "out"), dir);
  rmSync(work, { recursive: true, force: true });
  return readdirSync(dir).length > 1 ? { dir, commit } : { reason: "no ggml-vocab files in the bundle" };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = llamaVocabDir();
  if ("reason" in r) {
    console.error(r.reason);
    process.exit(1);
  }
  console.log(r.dir);
}
