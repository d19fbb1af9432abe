import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { download } from "./download.js";
import { startFakeHub, type FakeFile } from "./fake-hub.js";

const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");
/** 300 KiB of deterministic bytes (several network chunks). */
const BLOB = Uint8Array.from({ length: 300 * 1024 }, (_, i) => (i * 2654435761) >>> 24);
const FILES: FakeFile[] = [{ path: "model-Q8_0.gguf", bytes: BLOB, lfs: true }];
const tree = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String).sort() : []);

async function withHub(fn: (endpoint: string, hub: Awaited<ReturnType<typeof startFakeHub>>, dir: string) => Promise<void>): Promise<void> {
  const hub = await startFakeHub([{ repo: "alice/tiny", files: FILES }, { repo: "alice/private", files: FILES, token: "hf_right" }]);
  try {
    await fn(hub.endpoint, hub, mkdtempSync(join(tmpdir(), "kotodama-dl-")));
  } finally {
    await hub.close();
  }
}

test("download: follows the Hub's redirect to the CDN, verifies sha256, renames into place", async () => {
  await withHub(async (ep, hub, dir) => {
    const dest = join(dir, "m.gguf");
    const r = await download({ url: `${ep}/alice/tiny/resolve/main/model-Q8_0.gguf`, dest, sha256: sha256(BLOB), size: BLOB.length });
    assert.deepEqual(readFileSync(dest), Buffer.from(BLOB));
    assert.equal(r.cached, false);
    assert.deepEqual(hub.log.map((l) => `${l.server} ${l.method}`), ["hub GET", "cdn GET"]);
    assert.deepEqual(tree(dir), ["m.gguf"]); // no .part left
    // A second call finds the verified file and makes no request.
    const again = await download({ url: `${ep}/alice/tiny/resolve/main/model-Q8_0.gguf`, dest, sha256: sha256(BLOB), size: BLOB.length });
    assert.equal(again.cached, true);
    assert.equal(hub.log.length, 2);
  });
});

test("download: a .part file is resumed with a Range request from its length", async () => {
  await withHub(async (ep, hub, dir) => {
    const dest = join(dir, "m.gguf");
    writeFileSync(`${dest}.part`, BLOB.subarray(0, 123_457));
    const r = await download({ url: `${ep}/alice/tiny/resolve/main/model-Q8_0.gguf`, dest, sha256: sha256(BLOB), size: BLOB.length });
    assert.equal(r.resumedFrom, 123_457);
    assert.deepEqual(hub.log.filter((l) => l.server === "cdn").map((l) => l.range), ["bytes=123457-"]);
    assert.equal(sha256(readFileSync(dest)), sha256(BLOB));
  });
});

test("download: a connection dropped mid-file is resumed (within the call, and by a later call)", async () => {
  await withHub(async (ep, hub, dir) => {
    const url = `${ep}/alice/tiny/resolve/main/model-Q8_0.gguf`;
    hub.dropNext("alice/tiny/model-Q8_0.gguf", 100_000);
    const dest = join(dir, "a.gguf");
    const r = await download({ url, dest, sha256: sha256(BLOB), size: BLOB.length });
    assert.equal(sha256(readFileSync(dest)), sha256(BLOB));
    const ranges = hub.log.filter((l) => l.server === "cdn").map((l) => l.range);
    assert.equal(ranges.length, 2);
    assert.equal(ranges[0], null);
    assert.equal(ranges[1], "bytes=100000-"); // exactly what the first answer delivered
    assert.equal(r.requests, 2);

    // With no retries the call fails, keeps the .part, and the next call resumes it.
    hub.dropNext("alice/tiny/model-Q8_0.gguf", 70_000);
    const dest2 = join(dir, "b.gguf");
    await assert.rejects(download({ url, dest: dest2, sha256: sha256(BLOB), size: BLOB.length }, { retries: 0 }), /connection dropped after 70000 of 307200 bytes.*rerun to resume/);
    assert.equal(statSync(`${dest2}.part`).size, 70_000);
    assert.equal(existsSync(dest2), false);
    const r2 = await download({ url, dest: dest2, sha256: sha256(BLOB), size: BLOB.length });
    assert.equal(r2.resumedFrom, 70_000);
    assert.equal(sha256(readFileSync(dest2)), sha256(BLOB));
  });
});

test("download: a wrong checksum is rejected and leaves no file behind", async () => {
  await withHub(async (ep, _hub, dir) => {
    const dest = join(dir, "sub", "m.gguf");
    const wrong = sha256(Buffer.from("something else"));
    await assert.rejects(download({ url: `${ep}/alice/tiny/resolve/main/model-Q8_0.gguf`, dest, sha256: wrong, size: BLOB.length }), (e: Error) => {
      assert.match(e.message, new RegExp(`checksum mismatch \\(sha256 ${sha256(BLOB)}, expected ${wrong}\\); the download was removed`));
      return true;
    });
    assert.deepEqual(tree(join(dir, "sub")), []);
  });
});

test("download: 401 and 404 answers give clear messages", async () => {
  await withHub(async (ep, _hub, dir) => {
    const url = `${ep}/alice/private/resolve/main/model-Q8_0.gguf`;
    await assert.rejects(download({ url, dest: join(dir, "p"), sha256: null, size: null }), /HTTP 401: the repository is private or gated; set HF_TOKEN/);
    await assert.rejects(download({ url, dest: join(dir, "p"), sha256: null, size: null, headers: { authorization: "Bearer hf_wrong" } }), /HTTP 401: the token in HF_TOKEN was refused/);
    const ok = await download({ url, dest: join(dir, "p"), sha256: sha256(BLOB), size: null, headers: { authorization: "Bearer hf_right" } });
    assert.equal(ok.sha256, sha256(BLOB));
    await assert.rejects(download({ url: `${ep}/alice/tiny/resolve/main/nope.gguf`, dest: join(dir, "n"), sha256: null, size: null }), /HTTP 404 not found \(check the repository name, the revision and the file name\)/);
    await assert.rejects(download({ url: `${ep}/bob/absent/resolve/main/x`, dest: join(dir, "n"), sha256: null, size: null }), /HTTP 404/);
    assert.deepEqual(tree(dir), ["p"]);
  });
});

test("download: a full disk (ENOSPC on write) leaves the cache unchanged", async () => {
  await withHub(async (ep, _hub, dir) => {
    mkdirSync(join(dir, "data"), { recursive: true });
    writeFileSync(join(dir, "data", "kept.txt"), "already here");
    const before = tree(dir).map((p) => `${p}:${statSync(join(dir, p)).size}`);
    let writes = 0;
    const write = (): void => {
      if (++writes === 3) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    };
    await assert.rejects(download({ url: `${ep}/alice/tiny/resolve/main/model-Q8_0.gguf`, dest: join(dir, "data", "m.gguf"), sha256: sha256(BLOB), size: BLOB.length }, { write }), /the disk is full \(ENOSPC\).*the cache is unchanged; 307200 bytes are needed/);
    const after = tree(dir).map((p) => `${p}:${statSync(join(dir, p)).size}`);
    assert.deepEqual(after, before, `cache changed: ${relative(dir, dir)}`);
  });
});
