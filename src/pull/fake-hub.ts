// Test helper: a loopback imitation of the Hugging Face Hub for the pull tests. /api/models/{repo}/revision/{rev}
// answers the file list (siblings with size, blobId and lfs {sha256, size}); /{repo}/resolve/{rev}/{file}
// answers small git files itself (ETag = git blob id) and redirects LFS files to a second "CDN" server on another
// port with X-Linked-Etag (quoted sha256), X-Linked-Size and X-Repo-Commit, as huggingface.co does; the CDN
// serves Range requests. Faults on demand: drop the connection after N bytes, require a token, lie about sha.
// Not here: any assertion (the *.test.ts files). Nothing here touches the network beyond 127.0.0.1.
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeFile {
  readonly path: string;
  readonly bytes: Uint8Array;
  /** LFS files are redirected to the CDN with X-Linked-Etag; others are served directly. */
  readonly lfs: boolean;
}

export interface FakeRepo {
  readonly repo: string;
  readonly files: readonly FakeFile[];
  readonly license?: string;
  /** When set, requests without `Authorization: Bearer <token>` get 401. */
  readonly token?: string;
}

export interface Logged {
  readonly server: "hub" | "cdn";
  readonly method: string;
  readonly url: string;
  readonly range: string | null;
  readonly authorization: string | null;
}

export interface FakeHub {
  readonly endpoint: string;
  readonly log: Logged[];
  /** Drops the next GET of the CDN path of FILE after this many bytes (once). */
  dropNext(file: string, afterBytes: number): void;
  /** Serves a wrong X-Linked-Etag for FILE. */
  lieAbout(file: string): void;
  close(): Promise<void>;
}

export const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");
export const gitBlob = (b: Uint8Array): string => createHash("sha1").update(`blob ${b.length}\0`).update(b).digest("hex");

function listen(s: Server): Promise<number> {
  return new Promise((ok) => s.listen(0, "127.0.0.1", () => ok((s.address() as AddressInfo).port)));
}

/** Serves BYTES honouring a Range header (206 + Content-Range), optionally dropping the socket after N bytes. */
function serveBytes(req: IncomingMessage, res: ServerResponse, bytes: Uint8Array, dropAfter: number | null): void {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
  const start = m?.[1] !== undefined ? Number(m[1]) : 0;
  if (start >= bytes.length && bytes.length > 0) {
    res.writeHead(416, { "content-range": `bytes */${bytes.length}` }).end();
    return;
  }
  const body = bytes.subarray(start);
  const headers: Record<string, string> = { "content-length": String(body.length), "accept-ranges": "bytes", "content-type": "application/octet-stream" };
  if (m !== null) headers["content-range"] = `bytes ${start}-${bytes.length - 1}/${bytes.length}`;
  res.writeHead(m !== null ? 206 : 200, headers);
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  if (dropAfter !== null) {
    res.write(body.subarray(0, dropAfter), () => setTimeout(() => res.socket?.destroy(), 20));
    return;
  }
  res.end(body);
}

export async function startFakeHub(repos: readonly FakeRepo[]): Promise<FakeHub> {
  const log: Logged[] = [];
  const drops = new Map<string, number>();
  const lies = new Set<string>();
  const byRepo = new Map(repos.map((r) => [r.repo, r]));
  const note = (server: "hub" | "cdn", req: IncomingMessage): void =>
    void log.push({ server, method: req.method ?? "", url: req.url ?? "", range: req.headers.range ?? null, authorization: req.headers.authorization ?? null });

  const cdnServer = createServer((req, res) => {
    note("cdn", req);
    const m = /^\/cdn\/([^/]+)\/(.+)$/.exec(req.url ?? "");
    const repo = m?.[1] !== undefined ? byRepo.get(decodeURIComponent(m[1]).replace("--", "/")) : undefined;
    const file = repo?.files.find((f) => f.path === decodeURIComponent(m?.[2] ?? ""));
    if (file === undefined) return void res.writeHead(404).end("not found");
    const key = `${repo?.repo}/${file.path}`;
    const drop = req.method === "GET" ? (drops.get(key) ?? null) : null;
    if (drop !== null) drops.delete(key);
    serveBytes(req, res, file.bytes, drop);
  });
  const cdnPort = await listen(cdnServer);

  const hubServer = createServer((req, res) => {
    note("hub", req);
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const api = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(url.pathname);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const repo = byRepo.get(decodeURIComponent(api?.[1] ?? resolve?.[1] ?? ""));
    if (repo === undefined) return void res.writeHead(404, { "content-type": "application/json" }).end('{"error":"Repository not found"}');
    if (repo.token !== undefined && req.headers.authorization !== `Bearer ${repo.token}`) {
      return void res.writeHead(401, { "content-type": "application/json" }).end('{"error":"Invalid credentials"}');
    }
    if (api !== null) {
      const siblings = repo.files.map((f) => ({ rfilename: f.path, size: f.bytes.length, blobId: f.lfs ? "f".repeat(40) : gitBlob(f.bytes), ...(f.lfs ? { lfs: { sha256: sha256(f.bytes), size: f.bytes.length, pointerSize: 134 } } : {}) }));
      const body = JSON.stringify({ id: repo.repo, sha: COMMIT, siblings, ...(repo.license !== undefined ? { cardData: { license: repo.license }, tags: [`license:${repo.license}`] } : {}) });
      return void res.writeHead(200, { "content-type": "application/json" }).end(body);
    }
    const file = repo.files.find((f) => f.path === decodeURIComponent(resolve?.[3] ?? ""));
    if (file === undefined) return void res.writeHead(404, { "x-error-code": "EntryNotFound" }).end("Entry not found");
    const common = { "x-repo-commit": COMMIT };
    if (!file.lfs) {
      res.setHeader("etag", `"${gitBlob(file.bytes)}"`);
      res.setHeader("x-repo-commit", COMMIT);
      return serveBytes(req, res, file.bytes, null);
    }
    const key = `${repo.repo}/${file.path}`;
    const etag = lies.has(key) ? "0".repeat(64) : sha256(file.bytes);
    res.writeHead(302, {
      ...common,
      location: `http://127.0.0.1:${cdnPort}/cdn/${encodeURIComponent(repo.repo.replace("/", "--"))}/${file.path.split("/").map(encodeURIComponent).join("/")}`,
      "x-linked-etag": `"${etag}"`,
      "x-linked-size": String(file.bytes.length),
      etag: `"${etag}"`,
    });
    res.end();
  });
  const hubPort = await listen(hubServer);
  const close = (s: Server): Promise<void> => new Promise((ok) => { s.closeAllConnections(); s.close(() => ok()); });
  return {
    endpoint: `http://127.0.0.1:${hubPort}`,
    log,
    dropNext: (file, after) => void drops.set(file, after),
    lieAbout: (file) => void lies.add(file),
    close: async () => {
      await close(hubServer);
      await close(cdnServer);
    },
  };
}
