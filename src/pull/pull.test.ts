import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pull } from "./pull.js";
import { parseHubSpec } from "./hub.js";
import { locateModel } from "./locate.js";
import type { CatalogueEntry } from "./catalogue.js";
import { startFakeHub, type FakeFile } from "./fake-hub.js";

const sha256 = (b: Uint8Array | string): string => createHash("sha256").update(b).digest("hex");
const bytes = (n: number, k: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * k + 7) & 255);
const Q4 = bytes(50_000, 3);
const Q8 = bytes(90_000, 5);
const README = new TextEncoder().encode("# tiny\nA test model.\n");
const GGUF_REPO: FakeFile[] = [
  { path: "tiny-Q4_K_M.gguf", bytes: Q4, lfs: true },
  { path: "tiny-Q8_0.gguf", bytes: Q8, lfs: true },
  { path: "README.md", bytes: README, lfs: false },
];
const ST = bytes(40_000, 11);
const ST_REPO: FakeFile[] = [
  { path: "model.safetensors", bytes: ST, lfs: true },
  { path: "config.json", bytes: new TextEncoder().encode('{"hidden_size": 8}\n'), lfs: false },
  { path: "tokenizer.json", bytes: new TextEncoder().encode('{"model": {"type": "BPE"}}\n'), lfs: false },
  { path: "runs/events.bin", bytes: bytes(10, 1), lfs: false },
];
const noNetwork: typeof fetch = () => {
  throw new Error("the network was touched");
};

async function withHub(fn: (hub: Awaited<ReturnType<typeof startFakeHub>>, home: string) => Promise<void>): Promise<void> {
  const hub = await startFakeHub([
    { repo: "alice/tiny-GGUF", files: GGUF_REPO, license: "apache-2.0" },
    { repo: "alice/tiny", files: ST_REPO, license: "cc-by-nc-4.0" },
    { repo: "alice/secret-GGUF", files: GGUF_REPO, token: "hf_right" },
  ]);
  try {
    await fn(hub, mkdtempSync(join(tmpdir(), "kotodama-home-")));
  } finally {
    await hub.close();
  }
}

test("hub spec: user/repo[@rev][:TAG | /file]", () => {
  assert.deepEqual(parseHubSpec("alice/tiny-GGUF:Q8_0"), { kind: "gguf-tag", repo: "alice/tiny-GGUF", rev: "main", tag: "Q8_0" });
  assert.deepEqual(parseHubSpec("hf.co/alice/tiny@v1/sub/x.gguf"), { kind: "file", repo: "alice/tiny", rev: "v1", file: "sub/x.gguf" });
  assert.deepEqual(parseHubSpec("alice/tiny"), { kind: "repo", repo: "alice/tiny", rev: "main" });
  assert.throws(() => parseHubSpec("alice/tiny/../../etc/passwd"), /invalid file path/);
});

test("pull user/repo:Q8_0: the tagged GGUF only, sha256 from X-Linked-Etag, licence before the download, token not sent to the CDN", async () => {
  await withHub(async (hub, home) => {
    const starts: string[] = [];
    const r = await pull("alice/tiny-GGUF:Q8_0", [], { home, offline: false, env: { HF_ENDPOINT: hub.endpoint, HF_TOKEN: "hf_any" }, onStart: (s) => starts.push(`${s.license} ${s.files} ${s.bytes} ${hub.log.filter((l) => l.url.includes("/resolve/")).length}`) });
    assert.deepEqual(starts, ["apache-2.0 1 90000 0"]); // printed before any file request
    assert.equal(r.files.length, 1);
    assert.equal(r.files[0]?.sha256, sha256(Q8));
    assert.deepEqual(readFileSync(join(home, "hub", "alice", "tiny-GGUF", "tiny-Q8_0.gguf")), Buffer.from(Q8));
    // Pinned to the commit the API reported; HEAD for metadata, then GET; Authorization to the Hub, not the CDN.
    assert.ok(hub.log.some((l) => l.method === "HEAD" && l.url === "/alice/tiny-GGUF/resolve/0123456789abcdef0123456789abcdef01234567/tiny-Q8_0.gguf"));
    assert.ok(hub.log.filter((l) => l.server === "hub").every((l) => l.authorization === "Bearer hf_any"));
    assert.ok(hub.log.filter((l) => l.server === "cdn").every((l) => l.authorization === null));
    assert.equal(existsSync(join(home, "hub", "alice", "tiny-GGUF", "tiny-Q4_K_M.gguf")), false);
    const m = locateModel("alice/tiny-GGUF:Q8_0", { home, shared: null, catalogue: [] });
    assert.deepEqual(m, { dir: join(home, "hub", "alice", "tiny-GGUF", "tiny-Q8_0.gguf"), from: "cache" });
  });
});

test("pull user/repo: a safetensors folder with tokenizer files; small git files checked by git blob id", async () => {
  await withHub(async (hub, home) => {
    const r = await pull("alice/tiny", [], { home, offline: false, env: { HF_ENDPOINT: hub.endpoint } });
    assert.deepEqual(r.files.map((f) => f.path.slice(home.length + 1)).sort(), ["hub/alice/tiny/config.json", "hub/alice/tiny/model.safetensors", "hub/alice/tiny/tokenizer.json"]);
    assert.equal(r.nonCommercial, true); // cc-by-nc-4.0
    assert.deepEqual(readdirSync(join(home, "hub", "alice", "tiny")).sort(), [".kotodama-pull.json", "config.json", "model.safetensors", "tokenizer.json"]);
  });
});

test("pull: X-Linked-Etag that disagrees with the LFS metadata is an error, nothing stored", async () => {
  await withHub(async (hub, home) => {
    hub.lieAbout("alice/tiny-GGUF/tiny-Q4_K_M.gguf");
    await assert.rejects(pull("alice/tiny-GGUF:Q4_K_M", [], { home, offline: false, env: { HF_ENDPOINT: hub.endpoint } }), /X-Linked-Etag 0{64} differs from the repository's LFS sha256/);
    assert.equal(existsSync(join(home, "hub", "alice", "tiny-GGUF", "tiny-Q4_K_M.gguf")), false);
  });
});

test("pull: private repository needs HF_TOKEN; unknown tag and repository say what exists", async () => {
  await withHub(async (hub, home) => {
    const env = { HF_ENDPOINT: hub.endpoint };
    await assert.rejects(pull("alice/secret-GGUF:Q8_0", [], { home, offline: false, env }), /HTTP 401: the repository is private or gated; set HF_TOKEN/);
    const ok = await pull("alice/secret-GGUF:Q8_0", [], { home, offline: false, env: { ...env, HF_TOKEN: "hf_right" } });
    assert.equal(ok.files[0]?.sha256, sha256(Q8));
    await assert.rejects(pull("alice/tiny-GGUF:Q5_K_S", [], { home, offline: false, env }), /matches no GGUF file; the repository has: tiny-Q4_K_M.gguf, tiny-Q8_0.gguf/);
    await assert.rejects(pull("bob/none:Q8_0", [], { home, offline: false, env }), /HTTP 404 not found/);
  });
});

test("pull --offline never touches the network: absent → error, present → verified from the cache", async () => {
  await withHub(async (hub, home) => {
    const entry: CatalogueEntry = {
      name: "toy", kind: "data", license: "CC-BY-NC-4.0", nonCommercial: true, url: "https://example.org/toy", description: "test set",
      files: [{ path: "toy/q4.bin", url: `${hub.endpoint}/alice/tiny-GGUF/resolve/main/tiny-Q4_K_M.gguf`, size: Q4.length, sha256: sha256(Q4) }],
      inline: [{ path: "toy/manifest.tsv", text: "file\ttitle\n", sha256: sha256("file\ttitle\n") }],
    };
    await assert.rejects(pull("toy", [entry], { home, offline: true, env: {}, fetch: noNetwork }), /2 of 2 files are missing or differ .*nothing was downloaded/);
    await assert.rejects(pull("alice/tiny-GGUF:Q8_0", [entry], { home, offline: true, env: { HF_ENDPOINT: hub.endpoint }, fetch: noNetwork }), /not in the cache .*nothing was downloaded/);
    assert.equal(hub.log.length, 0);
    const online = await pull("toy", [entry], { home, offline: false, env: {} });
    assert.deepEqual(online.files.map((f) => f.cached), [false, false]);
    assert.equal(readFileSync(join(home, "data", "toy", "manifest.tsv"), "utf8"), "file\ttitle\n");
    const n = hub.log.length;
    const off = await pull("toy", [entry], { home, offline: true, env: {}, fetch: noNetwork });
    assert.deepEqual(off.files.map((f) => f.cached), [true, true]);
    assert.equal(hub.log.length, n);
  });
});
