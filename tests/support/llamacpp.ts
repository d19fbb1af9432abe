// llama.cpp as the oracle: the prebuilt llama.cpp shipped in the npm package node-llama-cpp (a devDependency),
// loaded on the CPU, never built or downloaded. Gives tokenization, raw next-token logits and greedy ids for a
// GGUF file, and llama.cpp's own Jinja renderer for chat templates, so tests and benches compare kotodama with
// llama.cpp on the same input in the same run.
// Not here: speed loops (bench/llamacpp-speed.ts), anything kotodama itself ships (library code never imports this).
import type { Llama, LlamaContext, LlamaModel, Token } from "node-llama-cpp";

/** Why llama.cpp is unavailable, or null when it loads. Cached per process. */
let llamaPromise: Promise<{ llama: Llama } | { reason: string }> | null = null;

/** node-llama-cpp's version (package.json), for reports. The package's "exports" do not list package.json, so
 *  it is read next to the resolved entry point (dist/index.js). */
export async function llamaCppVersion(): Promise<string> {
  const [{ readFileSync }, { dirname, join }, { fileURLToPath }] = await Promise.all([import("node:fs"), import("node:path"), import("node:url")]);
  const entry = fileURLToPath(import.meta.resolve("node-llama-cpp"));
  return (JSON.parse(readFileSync(join(dirname(entry), "..", "package.json"), "utf8")) as { version: string }).version;
}

/** The CPU llama.cpp, or the reason it cannot load (package absent, binary incompatible with this machine). */
export async function loadLlamaCpp(): Promise<{ llama: Llama } | { reason: string }> {
  llamaPromise ??= (async () => {
    try {
      const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
      const llama = await getLlama({ gpu: false, build: "never", usePrebuiltBinaries: true, progressLogs: false, logLevel: LlamaLogLevel.error, skipDownload: true });
      return { llama };
    } catch (e) {
      return { reason: `node-llama-cpp's prebuilt llama.cpp did not load: ${(e as Error).message.split("\n")[0]}` };
    }
  })();
  return llamaPromise;
}

/** A GGUF file opened by llama.cpp. */
export interface LlamaCppModel {
  readonly model: LlamaModel;
  readonly vocabSize: number;
  /** llama.cpp's tokenization (`llama_tokenize`); `special` parses special-token text, as llama-tokenize does. */
  tokenize(text: string, special?: boolean): number[];
  detokenize(ids: readonly number[], special?: boolean): string;
  /** Raw next-token logits (V) after every position of `ids`, from one fresh sequence. */
  logits(ids: readonly number[]): Promise<Float32Array[]>;
  /** `n` greedy ids after `ids` (argmax of the raw logits, as llama.cpp's greedy sampler), from a fresh sequence. */
  greedy(ids: readonly number[], n: number): Promise<number[]>;
  dispose(): Promise<void>;
}

/** Opens `path` in llama.cpp on the CPU; throws with llama.cpp's own message when it refuses the file. */
export async function openLlamaCppModel(llama: Llama, path: string, options: { threads?: number; contextSize?: number; lora?: string } = {}): Promise<LlamaCppModel> {
  const model = await llama.loadModel({ modelPath: path, gpuLayers: 0, useMmap: true });
  const contextSize = options.contextSize ?? 256;
  const threads = options.threads ?? 1;
  const emb = model.fileInfo.tensorInfo?.find((t) => t.name === "token_embd.weight");
  const V = Number(emb?.dimensions[1] ?? 0);
  if (!(V > 0)) throw new Error(`${path}: llama.cpp reports no token_embd.weight`);
  // F32 keys and values and no flash attention: llama.cpp's defaults (F16 KV cache) round every key and value to
  // 11 bits, which alone moves logits by ~1e-3; the oracle compares f32 computation with f32 computation.
  const fresh = async (): Promise<LlamaContext> => model.createContext({
    contextSize, threads, batchSize: contextSize, sequences: 1, flashAttention: false,
    experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32",
    // A LoRA GGUF applied at scale 1 (llama.cpp's --lora FILE): llama_adapter_lora_init + llama_set_adapter_lora.
    ...(options.lora === undefined ? {} : { lora: { adapters: [{ filePath: options.lora, scale: 1 }] } }),
  });
  return {
    model,
    vocabSize: V,
    tokenize: (text, special = false) => Array.from(model.tokenize(text, special)),
    detokenize: (ids, special = false) => model.detokenize(ids as readonly Token[], special),
    async logits(ids) {
      const ctx = await fresh();
      try {
        const seq = ctx.getSequence();
        const out: Float32Array[] = [];
        const res = await seq.controlledEvaluate(ids.map((id) => [id as Token, { generateNext: { logits: true } }] as [Token, { generateNext: { logits: true } }]));
        for (const r of res) {
          const row = new Float32Array(V);
          const m = r?.next?.logits;
          if (m === undefined) throw new Error("llama.cpp returned no logits");
          for (const [tok, v] of m) row[tok] = v;
          out.push(row);
        }
        return out;
      } finally {
        await ctx.dispose();
      }
    },
    async greedy(ids, n) {
      const ctx = await fresh();
      try {
        const seq = ctx.getSequence();
        const out: number[] = [];
        for await (const t of seq.evaluate(ids as Token[], { temperature: 0 })) {
          out.push(t);
          if (out.length >= n) break;
        }
        return out;
      } finally {
        await ctx.dispose();
      }
    },
    dispose: () => model.dispose(),
  };
}

/** The CPU llama.cpp for a test, or null after `t.skip` with the reason. Under KOTODAMA_REQUIRE_LLAMACPP=1 (set
 *  by .ci/run) an unavailable llama.cpp fails the test instead, so CI cannot go green without its oracle. */
export async function llamaCppOrSkip(t: { skip(message: string): void }): Promise<Llama | null> {
  const l = await loadLlamaCpp();
  if ("llama" in l) return l.llama;
  if (process.env.KOTODAMA_REQUIRE_LLAMACPP === "1") throw new Error(`${l.reason} (KOTODAMA_REQUIRE_LLAMACPP=1)`);
  t.skip(l.reason);
  return null;
}

/** llama.cpp's own Jinja engine (common/jinja, a C++ implementation independent of @huggingface/jinja), as
 *  node-llama-cpp's binding exposes it: AddonJinjaRenderer(template).render(variables). It is internal to
 *  node-llama-cpp (Llama._bindings), so it is reached by property lookup and checked at run time. */
export type NativeJinja = (template: string, variables: Record<string, unknown>) => string;

interface JinjaCtor { new (template: string): { render(items?: Record<string, unknown>): string } }
const isJinjaCtor = (x: unknown): x is JinjaCtor => typeof x === "function";

/** The native renderer, or the reason it is unreachable (internal API moved, binary without it). */
export function llamaCppJinja(llama: Llama): NativeJinja | { reason: string } {
  const bindings: unknown = Reflect.get(llama, "_bindings");
  const ctor: unknown = typeof bindings === "object" && bindings !== null ? Reflect.get(bindings, "AddonJinjaRenderer") : undefined;
  if (!isJinjaCtor(ctor)) return { reason: "node-llama-cpp's binding has no AddonJinjaRenderer (Llama._bindings changed)" };
  return (template, variables) => new ctor(template).render(variables);
}

/** The native renderer for a test, or null after `t.skip` with the reason (fails under KOTODAMA_REQUIRE_LLAMACPP=1). */
export async function llamaCppJinjaOrSkip(t: { skip(message: string): void }): Promise<NativeJinja | null> {
  const llama = await llamaCppOrSkip(t);
  if (llama === null) return null;
  const r = llamaCppJinja(llama);
  if (typeof r === "function") return r;
  if (process.env.KOTODAMA_REQUIRE_LLAMACPP === "1") throw new Error(`${r.reason} (KOTODAMA_REQUIRE_LLAMACPP=1)`);
  t.skip(r.reason);
  return null;
}
