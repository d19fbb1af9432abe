// `kotodama pull NAME`: puts a catalogue entry or a Hugging Face Hub model into KOTODAMA_HOME, every file
// verified; --offline only checks what the cache holds. Not here: the HTTP transfer (download.ts), the Hub's
// API (hub.ts), the terminal (src/cli/commands/pull.ts), where readers look first (locate.ts).
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createHash } from "node:crypto";
import { KotodamaError } from "../util/errors.js";
import { findEntry, storedFiles, type CatalogueEntry, type CatalogueFile } from "./catalogue.js";
import { download, sha256File, type ByteProgress } from "./download.js";
import { cacheDataDir, cacheHubDir, cacheModelDir } from "./home.js";
import { fileMetadata, hubClient, isHubName, parseHubSpec, repoInfo, resolveUrl, selectFiles, type HubSpec } from "./hub.js";
import { aozoraClean } from "./aozora-clean.js";
import { envFetch } from "./proxy.js";
import { withPullLock } from "./lock.js";

export interface PullOptions {
  readonly home: string;
  readonly offline: boolean;
  readonly env: NodeJS.ProcessEnv;
  readonly fetch?: typeof fetch;
  /** Writes one chunk (tests inject ENOSPC); passed to download(). */
  readonly write?: (fd: number, chunk: Uint8Array) => void;
  readonly retries?: number;
  readonly onProgress?: (p: ByteProgress) => void;
  /** Called once before the first byte is fetched: what is about to be downloaded and under which licence. */
  readonly onStart?: (s: PullStart) => void;
  /** Called when another pull of the same name holds the cache's lock (this one waits for it). */
  readonly onWait?: (holder: { pid: number; host: string; since: string }) => void;
}

export interface PullStart {
  readonly name: string;
  readonly license: string | null;
  readonly nonCommercial: boolean;
  readonly files: number;
  readonly bytes: number | null;
}

export interface PulledFile {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  /** True when the file was already in the cache (verified, nothing fetched). */
  readonly cached: boolean;
}

export interface PullResult {
  readonly name: string;
  readonly kind: "model" | "data";
  readonly source: "catalogue" | "hub";
  readonly license: string | null;
  readonly nonCommercial: boolean;
  /** The folder the files are in (for data: the data root, laid out like ../shared/data). */
  readonly dir: string;
  readonly files: readonly PulledFile[];
}

const sha = (b: Uint8Array | string): string => createHash("sha256").update(b).digest("hex");

/** Writes bytes to PATH.tmp-PID then renames; on a write error (disk full) the temp file is removed. */
function atomicStore(path: string, data: Uint8Array | string, label: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
  } catch (e) {
    if (existsSync(tmp)) unlinkSync(tmp);
    const code = (e as NodeJS.ErrnoException).code;
    throw new KotodamaError(`${label}: ${code === "ENOSPC" ? "the disk is full (ENOSPC)" : `cannot write (${(e as Error).message})`}; the cache is unchanged`);
  }
  renameSync(tmp, path);
}

async function verified(path: string, want: { size: number; sha256: string }): Promise<boolean> {
  return existsSync(path) && statSync(path).size === want.size && (await sha256File(path)) === want.sha256;
}

/** Pulls NAME: a catalogue entry (`tinystories`) or a Hub reference (`user/repo:Q8_0`, `user/repo/file`,
 *  `user/repo`). Resolves to the files in the cache; throws a KotodamaError naming what failed. */
export async function pull(name: string, catalogue: readonly CatalogueEntry[], options: PullOptions): Promise<PullResult> {
  const e = findEntry(catalogue, name);
  // Through HTTP(S)_PROXY when set (Node 20's fetch ignores them), unless the caller brings its own fetch.
  const opt: PullOptions = options.fetch !== undefined || options.offline ? options : { ...options, fetch: envFetch(options.env).fetch };
  if (!opt.offline && (e !== null || isHubName(name))) {
    return withPullLock(opt.home, e?.name ?? name, () => (e !== null ? pullEntry(e, opt) : pullHub(name, parseHubSpec(name), opt)), { onWait: (h) => opt.onWait?.(h) });
  }
  if (e !== null) return pullEntry(e, opt);
  if (isHubName(name)) return pullHub(name, parseHubSpec(name), opt);
  throw new KotodamaError(`kotodama pull: ${JSON.stringify(name)} is neither a catalogue name (${catalogue.map((x) => x.name).join(", ")}) nor a Hub reference (user/repo, user/repo:Q8_0, user/repo/file.gguf)`);
}

/** The folder a catalogue entry lives in: the cache's data root (layout of ../shared/data) or models/NAME. */
export const entryRoot = (e: CatalogueEntry, home: string): string => (e.kind === "data" ? cacheDataDir(home) : cacheModelDir(e.name, home));

async function pullEntry(e: CatalogueEntry, opt: PullOptions): Promise<PullResult> {
  const root = entryRoot(e, opt.home);
  const base = { name: e.name, kind: e.kind, source: "catalogue" as const, license: e.license, nonCommercial: e.nonCommercial, dir: root };
  if (opt.offline) {
    const files: PulledFile[] = [];
    const missing: string[] = [];
    for (const f of storedFiles(e)) {
      const p = join(root, f.path);
      if (await verified(p, f)) files.push({ path: p, size: f.size, sha256: f.sha256, cached: true });
      else missing.push(f.path);
    }
    if (missing.length > 0) {
      throw new KotodamaError(`kotodama pull ${e.name} --offline: ${missing.length} of ${storedFiles(e).length} files are missing or differ in ${root} (first: ${missing[0]}); nothing was downloaded (run without --offline)`);
    }
    return { ...base, files };
  }
  opt.onStart?.({ name: e.name, license: e.license, nonCommercial: e.nonCommercial, files: e.files.length, bytes: e.files.reduce((n, f) => n + f.size, 0) });
  const files: PulledFile[] = [];
  for (const f of e.files) files.push(...(await pullCatalogueFile(e, f, root, opt)));
  for (const x of e.inline ?? []) {
    const p = join(root, x.path);
    const cached = existsSync(p) && sha(readFileSync(p)) === x.sha256;
    if (!cached) atomicStore(p, x.text, p);
    files.push({ path: p, size: Buffer.byteLength(x.text), sha256: x.sha256, cached });
  }
  return { ...base, files };
}

async function pullCatalogueFile(e: CatalogueEntry, f: CatalogueFile, root: string, opt: PullOptions): Promise<PulledFile[]> {
  const dest = join(root, f.path);
  const dl = { fetch: opt.fetch, write: opt.write, retries: opt.retries, onProgress: opt.onProgress };
  if (f.decode === undefined) {
    const r = await download({ url: f.url, dest, sha256: f.sha256, size: f.size, label: `${e.name}/${f.path}` }, dl);
    return [{ path: dest, size: r.size, sha256: r.sha256, cached: r.cached }];
  }
  // Shift_JIS upstream: fetch into downloads/, decode to UTF-8, check, store; then derive clean/ and check it.
  const out: PulledFile[] = [];
  const want = { size: f.decodedSize ?? 0, sha256: f.decodedSha256 ?? "" };
  let text: string;
  if (await verified(dest, want)) {
    out.push({ path: dest, ...want, cached: true });
    text = readFileSync(dest, "utf8");
  } else {
    const staged = join(opt.home, "downloads", e.name, f.path);
    await download({ url: f.url, dest: staged, sha256: f.sha256, size: f.size, label: `${e.name}/${f.path}` }, dl);
    text = new TextDecoder("shift_jis", { fatal: true }).decode(readFileSync(staged));
    const bytes = Buffer.from(text, "utf8");
    if (sha(bytes) !== want.sha256) throw new KotodamaError(`${staged}: decoded from CP932, sha256 ${sha(bytes)} differs from the catalogue's ${want.sha256}; nothing was stored`);
    atomicStore(dest, bytes, dest);
    unlinkSync(staged);
    out.push({ path: dest, ...want, cached: false });
  }
  if (f.derived !== undefined) {
    const d = f.derived;
    const p = join(root, d.path);
    if (await verified(p, d)) out.push({ path: p, size: d.size, sha256: d.sha256, cached: true });
    else {
      const clean = Buffer.from(aozoraClean(text), "utf8");
      if (sha(clean) !== d.sha256) throw new KotodamaError(`${p}: the cleaned text's sha256 ${sha(clean)} differs from the catalogue's ${d.sha256} (src/pull/aozora-clean.ts changed?); nothing was stored`);
      atomicStore(p, clean, p);
      out.push({ path: p, size: d.size, sha256: d.sha256, cached: false });
    }
  }
  return out;
}

/** What a Hub pull leaves beside the files: HOME/hub/USER/REPO/.kotodama-pull.json. */
interface HubManifest {
  readonly repo: string;
  readonly pulls: Record<string, { readonly commit: string; readonly license: string | null; readonly files: readonly { path: string; size: number; sha256: string }[] }>;
}

const MANIFEST = ".kotodama-pull.json";

function readManifest(dir: string, repo: string): HubManifest {
  const p = join(dir, MANIFEST);
  if (!existsSync(p)) return { repo, pulls: {} };
  try {
    return JSON.parse(readFileSync(p, "utf8")) as HubManifest;
  } catch {
    return { repo, pulls: {} };
  }
}

async function pullHub(name: string, spec: HubSpec, opt: PullOptions): Promise<PullResult> {
  const dir = cacheHubDir(spec.repo, opt.home);
  const man = readManifest(dir, spec.repo);
  const key = name.replace(/^(hf:|hf\.co\/|https?:\/\/(huggingface\.co|hf\.co)\/)/, "");
  if (opt.offline) {
    const had = man.pulls[key];
    if (had === undefined) throw new KotodamaError(`kotodama pull ${name} --offline: not in the cache (${dir}); nothing was downloaded (run without --offline)`);
    const files: PulledFile[] = [];
    for (const f of had.files) {
      const p = join(dir, f.path);
      if (!(await verified(p, f))) throw new KotodamaError(`kotodama pull ${name} --offline: ${p} is missing or differs from what was pulled; nothing was downloaded (run without --offline)`);
      files.push({ path: p, size: f.size, sha256: f.sha256, cached: true });
    }
    return { name: key, kind: "model", source: "hub", license: had.license, nonCommercial: false, dir, files };
  }
  const c = hubClient(opt.env, opt.fetch);
  const info = await repoInfo(c, spec.repo, spec.rev);
  const chosen = selectFiles(spec, info.files);
  const commit = info.commit ?? spec.rev;
  const nc = info.license !== null && /(^|-)nc(-|$)|non-?commercial/i.test(info.license);
  const known = chosen.every((f) => f.size !== null);
  opt.onStart?.({ name: key, license: info.license, nonCommercial: nc, files: chosen.length, bytes: known ? chosen.reduce((n, f) => n + (f.size ?? 0), 0) : null });
  const files: PulledFile[] = [];
  for (const f of chosen) {
    const url = resolveUrl(c, spec.repo, commit, f.path);
    const meta = await fileMetadata(c, url);
    if (meta.sha256 !== null && f.sha256 !== null && meta.sha256 !== f.sha256) {
      throw new KotodamaError(`${url}: X-Linked-Etag ${meta.sha256} differs from the repository's LFS sha256 ${f.sha256}; nothing was downloaded`);
    }
    const r = await download(
      { url, dest: join(dir, f.path), sha256: meta.sha256 ?? f.sha256, gitSha1: f.gitSha1, size: meta.size ?? f.size, headers: c.headers, label: `${spec.repo}/${f.path}` },
      { fetch: opt.fetch, write: opt.write, retries: opt.retries, onProgress: opt.onProgress },
    );
    files.push({ path: r.path, size: r.size, sha256: r.sha256, cached: r.cached });
  }
  const next: HubManifest = { repo: spec.repo, pulls: { ...man.pulls, [key]: { commit, license: info.license, files: files.map((f) => ({ path: f.path.slice(dir.length + 1).split("\\").join("/"), size: f.size, sha256: f.sha256 })) } } };
  atomicStore(join(dir, MANIFEST), `${JSON.stringify(next, null, 1)}\n`, join(dir, MANIFEST));
  return { name: key, kind: "model", source: "hub", license: info.license, nonCommercial: nc, dir, files };
}
