// Pull through a proxy and one pull at a time, against the loopback fake Hub: with HTTP_PROXY set every request
// (API, resolve, CDN) goes through a forward proxy started here, and NO_PROXY bypasses it; two concurrent pulls of
// one name download the file once (the second waits, then finds it verified); a lock left by a dead process is
// taken over; a live holder makes a waiter time out with a message naming the lock file.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import { hostname, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { startFakeHub, type FakeFile } from "./fake-hub.js";
import { lockPath, withPullLock } from "./lock.js";
import { pull } from "./pull.js";
import { envFetch, redactProxy } from "./proxy.js";

const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");
const Q8 = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7 + 3) & 255);
const REPO: FakeFile[] = [{ path: "tiny-Q8_0.gguf", bytes: Q8, lfs: true }];

/** A forward HTTP proxy that counts what it relays: CONNECT tunnels (how undici reaches every target through a
 *  proxy, http or https) and absolute-form requests. */
async function startProxy(): Promise<{ url: string; seen: string[]; close: () => Promise<void> }> {
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const target = new URL(req.url ?? "");
    const up = request({ host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  server.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? "").split(":");
    const up = connect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    for (const s of [up, client]) {
      sockets.add(s);
      s.on("error", () => s.destroy());
      s.on("close", () => sockets.delete(s));
    }
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const close = (): Promise<void> => new Promise((r) => {
    for (const s of sockets) s.destroy();
    server.close(() => r());
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close };
}

test("pull through HTTP_PROXY: every request relayed by the proxy, the file verified; NO_PROXY bypasses it", async () => {
  const hub = await startFakeHub([{ repo: "alice/tiny-GGUF", files: REPO, license: "mit" }]);
  const proxy = await startProxy();
  try {
    const home = mkdtempSync(join(tmpdir(), "kotodama-home-"));
    const r = await pull("alice/tiny-GGUF:Q8_0", [], { home, offline: false, env: { HF_ENDPOINT: hub.endpoint, HTTP_PROXY: proxy.url } });
    assert.equal(r.files[0]?.sha256, sha256(Q8));
    assert.deepEqual(readFileSync(r.files[0]!.path), Buffer.from(Q8));
    // Both servers (the Hub and its CDN, on two ports) were reached through the proxy only.
    const hubPort = new URL(hub.endpoint).port;
    const targets = new Set(proxy.seen.map((l) => l.replace(/^CONNECT /, "").replace(/^\w+ http:\/\/([^/]+)\/.*$/, "$1")));
    assert.ok(targets.has(`127.0.0.1:${hubPort}`) && targets.size === 2, proxy.seen.join("\n"));
    assert.ok(hub.log.some((l) => l.server === "cdn" && l.method === "GET"));
    const before = proxy.seen.length;
    const home2 = mkdtempSync(join(tmpdir(), "kotodama-home-"));
    await pull("alice/tiny-GGUF:Q8_0", [], { home: home2, offline: false, env: { HF_ENDPOINT: hub.endpoint, http_proxy: proxy.url, NO_PROXY: "127.0.0.1" } });
    assert.equal(proxy.seen.length, before, "NO_PROXY: nothing through the proxy");
    assert.equal(envFetch({}).via, null);
    assert.equal(envFetch({ HTTPS_PROXY: "http://user:secret@proxy.example:3128" }).via, "https: http://***@proxy.example:3128");
    assert.equal(redactProxy("not a url"), "(unparsable proxy URL)");
  } finally {
    await proxy.close();
    await hub.close();
  }
});

test("two concurrent pulls of one name: one download, the other waits and reuses it; a stale lock is taken over", async () => {
  const hub = await startFakeHub([{ repo: "alice/tiny-GGUF", files: REPO, license: "mit" }]);
  try {
    const home = mkdtempSync(join(tmpdir(), "kotodama-home-"));
    const env = { HF_ENDPOINT: hub.endpoint };
    const waits: number[] = [];
    const [a, b] = await Promise.all([
      pull("alice/tiny-GGUF:Q8_0", [], { home, offline: false, env }),
      pull("alice/tiny-GGUF:Q8_0", [], { home, offline: false, env, onWait: (h) => waits.push(h.pid) }),
    ]);
    const gets = hub.log.filter((l) => l.server === "cdn" && l.method === "GET");
    assert.equal(gets.length, 1, JSON.stringify(hub.log));
    assert.deepEqual([a.files[0]?.cached, b.files[0]?.cached], [false, true]);
    assert.deepEqual(waits, [process.pid]);
    assert.equal(existsSync(lockPath(home, "alice/tiny-GGUF:Q8_0")), false, "the lock is released");
    // A lock whose process is gone (kill -9): taken over, the pull proceeds.
    const home2 = mkdtempSync(join(tmpdir(), "kotodama-home-"));
    const stale = lockPath(home2, "alice/tiny-GGUF:Q8_0");
    mkdirSync(dirname(stale), { recursive: true });
    writeFileSync(stale, JSON.stringify({ pid: 2 ** 22 + 4321, host: hostname(), since: "2026-01-01T00:00:00Z" }));
    const c = await pull("alice/tiny-GGUF:Q8_0", [], { home: home2, offline: false, env });
    assert.equal(c.files[0]?.sha256, sha256(Q8));
    assert.equal(existsSync(stale), false);
  } finally {
    await hub.close();
  }
});

test("a live holder: the waiter times out naming the lock file", async () => {
  const home = mkdtempSync(join(tmpdir(), "kotodama-home-"));
  let release!: () => void;
  const held = withPullLock(home, "x", () => new Promise<void>((r) => (release = r)));
  await assert.rejects(withPullLock(home, "x", async () => 1, { timeoutMs: 200, pollMs: 20 }), new RegExp(`another pull \\(pid ${process.pid} .* still holds .*\\.lock; if it is not running, remove that file`));
  release();
  await held;
  assert.equal(await withPullLock(home, "x", async () => 2), 2);
});
