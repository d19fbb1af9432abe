// The Hugging Face Hub as `kotodama pull` uses it: parse `user/repo[@rev][:TAG|/file]`, read the repository's
// file list with LFS sha256 (GET /api/models/{repo}/revision/{rev}?blobs=true), choose the files, and read each
// file's checksum from its resolve URL's headers (X-Linked-Etag / X-Linked-Size / X-Repo-Commit, as
// huggingface_hub's get_hf_file_metadata does). Not here: the download itself (download.ts).
import { KotodamaError } from "../util/errors.js";
import { httpErrorMessage } from "./download.js";

export type HubSpec =
  | { readonly kind: "gguf-tag"; readonly repo: string; readonly rev: string; readonly tag: string }
  | { readonly kind: "file"; readonly repo: string; readonly rev: string; readonly file: string }
  | { readonly kind: "repo"; readonly repo: string; readonly rev: string };

export interface HubFile {
  readonly path: string;
  readonly size: number | null;
  /** sha256 from the Hub's LFS metadata, or null for a small file kept in git. */
  readonly sha256: string | null;
  /** The git blob id (sha1 of "blob <size>\0" + bytes) of a file kept in git, checked after download. */
  readonly gitSha1: string | null;
}

export interface HubRepoInfo {
  readonly commit: string | null;
  readonly license: string | null;
  readonly files: readonly HubFile[];
}

export interface HubClient {
  readonly endpoint: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly fetch: typeof fetch;
}

const SEG = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** True when NAME looks like a Hub reference (has a '/'), not a catalogue name. */
export const isHubName = (name: string): boolean => name.replace(/^(hf:|hf\.co\/|https?:\/\/(huggingface\.co|hf\.co)\/)/, "").includes("/");

/** Parses `user/repo`, `user/repo:Q8_0`, `user/repo/path/file.gguf`, each with an optional `@revision` after
 *  the repository (and an optional `hf.co/` prefix, as Ollama writes it). */
export function parseHubSpec(name: string): HubSpec {
  const s = name.replace(/^(hf:|hf\.co\/|https?:\/\/(huggingface\.co|hf\.co)\/)/, "");
  const m = /^([^/@:]+)\/([^/@:]+)(?:@([^/:]+))?(?::([^/]+)|\/(.+))?$/.exec(s);
  const bad = (why: string): never => {
    throw new KotodamaError(`kotodama pull: ${JSON.stringify(name)} ${why}; expected user/repo, user/repo:TAG (e.g. :Q8_0) or user/repo/file`);
  };
  if (m === null) return bad("is not a Hub reference");
  const [, user = "", model = "", rev = "main", tag, file] = m;
  if (!SEG.test(user) || !SEG.test(model)) bad("has an invalid user or repository name");
  if (!/^[A-Za-z0-9._-]+$/.test(rev)) bad("has an invalid revision");
  const repo = `${user}/${model}`;
  if (tag !== undefined) {
    if (!/^[A-Za-z0-9_.-]+$/.test(tag)) bad("has an invalid tag");
    return { kind: "gguf-tag", repo, rev, tag };
  }
  if (file !== undefined) {
    if (file.split("/").some((p) => p === ".." || p === "." || p === "")) bad("has an invalid file path");
    return { kind: "file", repo, rev, file };
  }
  return { kind: "repo", repo, rev };
}

/** HF_ENDPOINT (a mirror) or https://huggingface.co, and HF_TOKEN (or the older HUGGING_FACE_HUB_TOKEN). */
export function hubClient(env: NodeJS.ProcessEnv, f: typeof fetch = globalThis.fetch): HubClient {
  const endpoint = (env.HF_ENDPOINT !== undefined && env.HF_ENDPOINT !== "" ? env.HF_ENDPOINT : "https://huggingface.co").replace(/\/+$/, "");
  const token = env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN;
  return { endpoint, headers: token !== undefined && token !== "" ? { authorization: `Bearer ${token}` } : {}, fetch: f };
}

const enc = (p: string): string => p.split("/").map(encodeURIComponent).join("/");

export const resolveUrl = (c: HubClient, repo: string, rev: string, path: string): string => `${c.endpoint}/${repo}/resolve/${encodeURIComponent(rev)}/${enc(path)}`;

/** The repository's files with sizes and LFS sha256, its commit and licence (from the model card). */
export async function repoInfo(c: HubClient, repo: string, rev: string): Promise<HubRepoInfo> {
  const url = `${c.endpoint}/api/models/${repo}/revision/${encodeURIComponent(rev)}?blobs=true`;
  let res: Response;
  try {
    res = await c.fetch(url, { headers: { ...c.headers } });
  } catch (e) {
    throw new KotodamaError(`${url}: cannot connect (${e instanceof Error ? e.message : String(e)}); check the network, HF_ENDPOINT or the proxy settings (docs/pull.md)`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new KotodamaError(httpErrorMessage(res.status, url, "authorization" in c.headers));
  }
  const j = (await res.json()) as { sha?: unknown; siblings?: unknown; cardData?: { license?: unknown }; tags?: unknown };
  if (!Array.isArray(j.siblings)) throw new KotodamaError(`${url}: the answer has no 'siblings' list of files`);
  const files: HubFile[] = [];
  for (const s of j.siblings as Record<string, unknown>[]) {
    const path = s.rfilename;
    if (typeof path !== "string" || path.startsWith("/") || path.split("/").some((p) => p === ".." || p === "")) continue;
    const lfs = s.lfs as { sha256?: unknown; size?: unknown } | undefined;
    const sha256 = typeof lfs?.sha256 === "string" && /^[0-9a-f]{64}$/.test(lfs.sha256) ? lfs.sha256 : null;
    const size = typeof lfs?.size === "number" ? lfs.size : typeof s.size === "number" ? s.size : null;
    const gitSha1 = sha256 === null && typeof s.blobId === "string" && /^[0-9a-f]{40}$/.test(s.blobId) ? s.blobId : null;
    files.push({ path, size, sha256, gitSha1 });
  }
  const tagLicense = Array.isArray(j.tags) ? (j.tags as unknown[]).find((t): t is string => typeof t === "string" && t.startsWith("license:")) : undefined;
  const license = typeof j.cardData?.license === "string" ? j.cardData.license : tagLicense !== undefined ? tagLicense.slice("license:".length) : null;
  return { commit: typeof j.sha === "string" ? j.sha : null, license, files };
}

/** The files a spec names: the GGUF (all parts of a split one) whose name carries TAG; one file; or a
 *  safetensors folder (weights, index, config and tokenizer files at the top level). */
export function selectFiles(spec: HubSpec, files: readonly HubFile[]): HubFile[] {
  const ggufs = files.filter((f) => f.path.toLowerCase().endsWith(".gguf") && !/mmproj/i.test(f.path));
  if (spec.kind === "file") {
    const f = files.find((x) => x.path === spec.file);
    if (f === undefined) throw new KotodamaError(`kotodama pull: ${spec.repo} has no file ${JSON.stringify(spec.file)} at ${spec.rev}`);
    return [f];
  }
  if (spec.kind === "gguf-tag") {
    const tag = spec.tag.replace(/[.]/g, "\\.");
    const re = new RegExp(`(^|[-._/])${tag}([-._]|$)`, "i");
    const hits = ggufs.filter((f) => re.test(f.path.replace(/\.gguf$/i, "")));
    const models = new Set(hits.map((f) => f.path.replace(/-\d{5}-of-\d{5}\.gguf$/i, "")));
    if (hits.length === 0 || models.size > 1) {
      const all = ggufs.map((f) => f.path).join(", ");
      throw new KotodamaError(`kotodama pull: ${spec.repo}:${spec.tag} ${hits.length === 0 ? "matches no GGUF file" : `matches several: ${hits.map((f) => f.path).join(", ")}`}; the repository has: ${all === "" ? "no GGUF files" : all}`);
    }
    return hits.sort((a, b) => (a.path < b.path ? -1 : 1));
  }
  const top = files.filter((f) => !f.path.includes("/"));
  const weights = top.filter((f) => f.path.endsWith(".safetensors"));
  if (weights.length === 0) {
    const hint = ggufs.length > 0 ? `; it holds GGUF files, name one by its tag, e.g. ${spec.repo}:Q8_0 (${ggufs.map((f) => f.path).join(", ")})` : "";
    throw new KotodamaError(`kotodama pull: ${spec.repo} has no .safetensors weights at its top level${hint}`);
  }
  const extra = /^(config\.json|generation_config\.json|model\.safetensors\.index\.json|tokenizer\.json|tokenizer_config\.json|tokenizer\.model|special_tokens_map\.json|added_tokens\.json|vocab\.json|merges\.txt|chat_template\.jinja|LICENSE|README\.md)$/;
  const rest = top.filter((f) => extra.test(f.path));
  if (!rest.some((f) => /^(tokenizer\.json|tokenizer\.model|vocab\.json)$/.test(f.path))) {
    throw new KotodamaError(`kotodama pull: ${spec.repo} has safetensors weights but no tokenizer file (tokenizer.json, tokenizer.model or vocab.json)`);
  }
  return [...weights, ...rest].sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** The resolve URL's metadata without following its redirect: the LFS sha256 (X-Linked-Etag), size
 *  (X-Linked-Size, else Content-Length) and commit (X-Repo-Commit). */
export async function fileMetadata(c: HubClient, url: string): Promise<{ sha256: string | null; size: number | null; commit: string | null }> {
  let res: Response;
  try {
    res = await c.fetch(url, { method: "HEAD", headers: { ...c.headers, "accept-encoding": "identity" }, redirect: "manual" });
  } catch (e) {
    throw new KotodamaError(`${url}: cannot connect (${e instanceof Error ? e.message : String(e)}); check the network, HF_ENDPOINT or the proxy settings (docs/pull.md)`);
  }
  if (res.status >= 400) {
    await res.body?.cancel();
    throw new KotodamaError(httpErrorMessage(res.status, url, "authorization" in c.headers));
  }
  const etag = (res.headers.get("x-linked-etag") ?? "").replace(/^W\//, "").replace(/"/g, "");
  const size = Number(res.headers.get("x-linked-size") ?? (res.status < 300 ? res.headers.get("content-length") : null) ?? NaN);
  return { sha256: /^[0-9a-f]{64}$/.test(etag) ? etag : null, size: Number.isSafeInteger(size) ? size : null, commit: res.headers.get("x-repo-commit") };
}
