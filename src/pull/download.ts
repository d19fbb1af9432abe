// One resumable, verified download: HTTP Range from a .part file, sha256 and size checked, then renamed into
// place, so the destination holds the whole verified file or nothing. Errors name the URL and what to do.
// Not here: which files to fetch (pull.ts, hub.ts) or drawing progress (src/cli/progress.ts byteBar).
import { createHash } from "node:crypto";
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { KotodamaError } from "../util/errors.js";

export interface ByteProgress {
  readonly file: string;
  readonly done: number;
  /** Bytes expected, when the catalogue, the Hub or Content-Length says. */
  readonly total: number | null;
}

export interface DownloadRequest {
  readonly url: string;
  /** Final path; the bytes go to DEST.part first. */
  readonly dest: string;
  /** Expected sha256 (lowercase hex) or null when nothing vouches for the content. */
  readonly sha256: string | null;
  /** Expected git blob id (a Hub file kept in git rather than LFS), checked when sha256 is null. */
  readonly gitSha1?: string | null;
  readonly size: number | null;
  readonly headers?: Readonly<Record<string, string>>;
  /** A name for progress and messages (default: the destination path). */
  readonly label?: string;
}

export interface DownloadOptions {
  /** The fetch to use (tests inject one; default globalThis.fetch). */
  readonly fetch?: typeof fetch;
  readonly onProgress?: (p: ByteProgress) => void;
  /** Resume attempts after a dropped connection within one call (default 5). */
  readonly retries?: number;
  /** Writes one chunk; default fs.writeSync in a loop. Tests inject a failing one (ENOSPC). */
  readonly write?: (fd: number, chunk: Uint8Array) => void;
}

export interface DownloadResult {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  /** True when DEST was already there and verified: nothing was fetched. */
  readonly cached: boolean;
  /** Bytes of a .part file that the first request resumed from (0 for a fresh download). */
  readonly resumedFrom: number;
  /** HTTP requests made. */
  readonly requests: number;
}

export async function sha256File(path: string): Promise<string> {
  return (await hashFile(path)).sha256;
}

/** sha256 and git blob id ("blob <size>\0" + bytes, sha1) of a file, in one pass. */
async function hashFile(path: string): Promise<{ sha256: string; gitSha1: string }> {
  const h = createHash("sha256");
  const g = createHash("sha1").update(`blob ${statSync(path).size}\0`);
  for await (const chunk of createReadStream(path)) {
    h.update(chunk as Buffer);
    g.update(chunk as Buffer);
  }
  return { sha256: h.digest("hex"), gitSha1: g.digest("hex") };
}

/** Null when the hashes match what the request expects, else what differs. */
function mismatch(req: DownloadRequest, size: number, h: { sha256: string; gitSha1: string }): string | null {
  if (req.size !== null && size !== req.size) return `${size} bytes, expected ${req.size}`;
  if (req.sha256 !== null && h.sha256 !== req.sha256) return `sha256 ${h.sha256}, expected ${req.sha256}`;
  if (req.sha256 === null && req.gitSha1 !== undefined && req.gitSha1 !== null && h.gitSha1 !== req.gitSha1) return `git blob ${h.gitSha1}, expected ${req.gitSha1}`;
  return null;
}

function writeAll(fd: number, chunk: Uint8Array): void {
  let off = 0;
  while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
}

const sizeOf = (p: string): number => (existsSync(p) ? statSync(p).size : 0);
const removeQuietly = (p: string): void => {
  try {
    unlinkSync(p);
  } catch {
    /* already gone */
  }
};

/** The message for an HTTP error answer: what it means and what to do. */
export function httpErrorMessage(status: number, url: string, sentToken: boolean): string {
  if (status === 401 || status === 403) {
    return sentToken
      ? `${url}: HTTP ${status}: the token in HF_TOKEN was refused (it lacks read access to this repository, or the repository is gated and its terms are not accepted)`
      : `${url}: HTTP ${status}: the repository is private or gated; set HF_TOKEN to a token with read access (https://huggingface.co/settings/tokens)`;
  }
  if (status === 404) return `${url}: HTTP 404 not found (check the repository name, the revision and the file name)`;
  if (status === 429) return `${url}: HTTP 429 too many requests; wait and rerun (the download resumes)`;
  return `${url}: HTTP ${status}`;
}

/** Downloads req.url to req.dest: resumes from DEST.part with a Range request, retries a dropped connection,
 *  verifies size and sha256, renames into place. On a checksum mismatch or a write error (disk full) the .part
 *  file is removed and DEST is left as it was. */
export async function download(req: DownloadRequest, opt: DownloadOptions = {}): Promise<DownloadResult> {
  const doFetch = opt.fetch ?? globalThis.fetch;
  const write = opt.write ?? writeAll;
  const retries = opt.retries ?? 5;
  const label = req.label ?? req.dest;
  if (existsSync(req.dest)) {
    const h = await hashFile(req.dest);
    const size = statSync(req.dest).size;
    if (mismatch(req, size, h) === null) return { path: req.dest, size, sha256: h.sha256, cached: true, resumedFrom: 0, requests: 0 };
  }
  mkdirSync(dirname(req.dest), { recursive: true });
  const part = `${req.dest}.part`;
  if (req.size !== null && sizeOf(part) > req.size) removeQuietly(part);
  const resumedFrom = sizeOf(part);
  let requests = 0;
  let failures = 0;
  const sentToken = Object.keys(req.headers ?? {}).some((k) => k.toLowerCase() === "authorization");
  for (;;) {
    const offset = sizeOf(part);
    if (req.size !== null && offset === req.size && offset > 0) break;
    const headers: Record<string, string> = { ...req.headers, "accept-encoding": "identity" };
    if (offset > 0) headers.range = `bytes=${offset}-`;
    let res: Response;
    try {
      requests++;
      res = await doFetch(req.url, { headers, redirect: "follow" });
    } catch (e) {
      if (++failures <= retries) continue;
      throw new KotodamaError(`${req.url}: cannot connect (${causeOf(e)}); check the network, HF_ENDPOINT or the proxy settings (docs/pull.md)`);
    }
    if (res.status === 416 && offset > 0) {
      // The .part file is at least as long as the resource: verify what we have.
      await res.body?.cancel();
      break;
    }
    if (res.status !== 200 && res.status !== 206) {
      await res.body?.cancel();
      throw new KotodamaError(httpErrorMessage(res.status, req.url, sentToken));
    }
    let start = offset;
    if (res.status === 206) {
      const m = /^bytes (\d+)-/.exec(res.headers.get("content-range") ?? "");
      if (m === null || Number(m[1]) !== offset) {
        await res.body?.cancel();
        removeQuietly(part);
        if (++failures <= retries) continue;
        throw new KotodamaError(`${req.url}: the server answered a range request with Content-Range ${JSON.stringify(res.headers.get("content-range"))}, expected bytes ${offset}-`);
      }
    } else start = 0; // 200: the server ignored Range (or there was none): start over
    const length = Number(res.headers.get("content-length") ?? NaN);
    const total = req.size ?? (Number.isFinite(length) ? start + length : null);
    const fd = openSync(part, start === 0 ? "w" : "a");
    let done = start;
    let dropped: unknown = null;
    try {
      if (res.body === null) throw new KotodamaError(`${req.url}: empty response body`);
      const reader = res.body.getReader();
      for (;;) {
        let r: Awaited<ReturnType<typeof reader.read>>;
        try {
          r = await reader.read();
        } catch (e) {
          dropped = e;
          break;
        }
        if (r.done) break;
        try {
          write(fd, r.value);
        } catch (e) {
          await reader.cancel().catch(() => undefined);
          closeSync(fd);
          removeQuietly(part);
          const code = (e as NodeJS.ErrnoException).code;
          const why = code === "ENOSPC" ? "the disk is full (ENOSPC)" : `cannot write (${causeOf(e)})`;
          throw new KotodamaError(`${label}: ${why} after ${done} bytes; the partial file was removed and the cache is unchanged${code === "ENOSPC" && total !== null ? `; ${total} bytes are needed` : ""}`);
        }
        done += r.value.length;
        opt.onProgress?.({ file: label, done, total });
      }
    } finally {
      try {
        closeSync(fd);
      } catch {
        /* closed on the error path */
      }
    }
    const complete = dropped === null && (total === null || done >= total);
    if (complete) break;
    if (++failures > retries) {
      throw new KotodamaError(`${req.url}: the connection dropped after ${done} of ${total ?? "?"} bytes (${causeOf(dropped)}), ${retries} resumes failed; rerun to resume from ${part}`);
    }
  }
  const size = sizeOf(part);
  const h = await hashFile(part);
  const bad = mismatch(req, size, h);
  if (bad !== null) {
    removeQuietly(part);
    throw new KotodamaError(`${req.url}: checksum mismatch (${bad}); the download was removed and nothing was stored`);
  }
  renameSync(part, req.dest);
  return { path: req.dest, size, sha256: h.sha256, cached: false, resumedFrom, requests };
}

function causeOf(e: unknown): string {
  if (e instanceof Error) {
    const c = (e as Error & { cause?: unknown }).cause;
    return c instanceof Error ? `${e.message}: ${c.message}` : e.message;
  }
  return String(e);
}
