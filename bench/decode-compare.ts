// kotodama against llama.cpp on the same GGUF file in the same run: decode (tg, one token per step from an empty
// context, batch 1) and prompt processing (pp, one N-token prompt), same threads, prompt and token counts,
// interleaved rounds, medians. Used by `bench decode --compare` (F32, Q8_0) and `bench quant --compare` (Q8_0,
// Q4_0). Not here: the llama.cpp loop (bench/llamacpp-speed.ts), the models (bench/bench-models.ts).
import { readGguf } from "../src/formats/gguf/read.js";
import { ggmlTypeInfo } from "../src/formats/gguf/ggml-types.js";
import { loadBackend } from "../src/engine/backend.js";
import { argmax, createInferState, createKvCache, decodeStep, openInferModel, prefill } from "../src/infer/index.js";
import { llamaCppVersion, loadLlamaCpp } from "../tests/support/llamacpp.js";
import { openLlamaCppSpeed } from "./llamacpp-speed.js";

/** One file to compare on: a display name and the path both sides open. */
export interface CompareFile {
  readonly name: string;
  readonly path: string;
}

export interface CompareOptions {
  readonly files: readonly CompareFile[];
  readonly threads: readonly number[];
  readonly tokens: number;
  readonly rounds: number;
  /** One line per measurement as soon as it is known (JSON or text, the caller's choice). */
  readonly emit: (row: CompareRow) => void;
  readonly progress: (line: string) => void;
}

export interface CompareRow {
  readonly bench: "decode";
  readonly model: string;
  readonly file: string;
  readonly type: string;
  readonly params_m: number;
  readonly phase: "tg" | "pp";
  readonly threads: number;
  readonly tokens: number;
  readonly rounds: number;
  readonly backend: string;
  readonly tokens_per_s: number;
  readonly llamacpp_tokens_per_s: number;
  readonly ratio: number;
  /** Slowest and fastest round of each side, tokens/s, to show the noise. */
  readonly range: { readonly ours: readonly [number, number]; readonly llamacpp: readonly [number, number] };
  readonly llamacpp: string;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** The weight type that holds most of a GGUF file's elements ("F32", "Q8_0", ...), and its parameter count. */
function describeFile(path: string): { type: string; params: number } {
  const f = readGguf(path);
  const byType = new Map<string, number>();
  let params = 0;
  for (const t of f.tensors) {
    const name = ggmlTypeInfo(t.type)?.name ?? `type${t.type}`;
    byType.set(name, (byType.get(name) ?? 0) + t.nElements);
    params += t.nElements;
  }
  const type = [...byType.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "?";
  return { type, params };
}

/** Runs the comparison; returns 1 when llama.cpp cannot load (the reason is printed), else 0. */
export async function compareDecode(o: CompareOptions): Promise<number> {
  const l = await loadLlamaCpp();
  if (!("llama" in l)) {
    o.progress(`llama.cpp unavailable: ${l.reason}`);
    return 1;
  }
  const llamaDesc = `node-llama-cpp ${await llamaCppVersion()}, llama.cpp ${l.llama.llamaCppRelease.release} (prebuilt CPU), AddonContext.decodeBatch per batch`;
  o.progress(`llama.cpp: ${llamaDesc}`);
  const n = o.tokens;
  const promptIds = (V: number, start: number): number[] => Array.from({ length: n }, (_, i) => (i === 0 ? start : (i * 7919) % V));
  for (const file of o.files) {
    const { type, params } = describeFile(file.path);
    for (const threads of o.threads) {
      const backend = loadBackend({ threads });
      const m = openInferModel(file.path, { backend });
      const c = m.config;
      if (c.pos === "learned" && n + 1 > c.context) throw new Error(`${file.name}: --tokens ${n} does not fit the model's context of ${c.context}`);
      const start = m.tokenizer.special.bos ?? m.tokenizer.special.eos ?? 0;
      const state = createInferState(m.weights, backend, 128);
      const cache = createKvCache(c, Math.max(c.context, n + 1));
      const lc = await openLlamaCppSpeed(l.llama, file.path, threads, n);
      if (lc.threads !== threads) o.progress(`  note: llama.cpp context reports ${lc.threads} threads, asked ${threads}`);
      // Ours: n greedy tokens from the start token. llama.cpp is fed the same ids (llama-bench feeds fixed ids
      // without sampling; the argmax we add is one pass over V logits).
      let ids: number[] = [];
      const oursDecode = (): number => {
        cache.length = 0;
        const out: number[] = [];
        const t0 = performance.now();
        let id = start;
        for (let i = 0; i < n; i++) {
          out.push(id);
          id = argmax(decodeStep(state, cache, id));
        }
        const dt = performance.now() - t0;
        ids = out;
        return dt;
      };
      const prompt = promptIds(c.vocabSize, start);
      const oursPrompt = (): number => {
        cache.length = 0;
        const t0 = performance.now();
        prefill(state, cache, prompt);
        return performance.now() - t0;
      };
      // Warm-up: JIT, page-in of the mmapped weights, thread pools.
      oursDecode();
      oursPrompt();
      await lc.decode(ids);
      await lc.prompt(prompt);
      const ms = { oursTg: [] as number[], lcTg: [] as number[], oursPp: [] as number[], lcPp: [] as number[] };
      for (let r = 0; r < o.rounds; r++) {
        // Alternate who goes first, so that a slow drift of the machine's load does not favour one side.
        if (r % 2 === 0) {
          ms.oursTg.push(oursDecode());
          ms.lcTg.push(await lc.decode(ids));
          ms.oursPp.push(oursPrompt());
          ms.lcPp.push(await lc.prompt(prompt));
        } else {
          ms.lcTg.push(await lc.decode(ids));
          ms.oursTg.push(oursDecode());
          ms.lcPp.push(await lc.prompt(prompt));
          ms.oursPp.push(oursPrompt());
        }
        o.progress(`  ${file.name} ${type} ${threads}t round ${r + 1}/${o.rounds}: tg ours ${(n / ms.oursTg[r]! * 1000).toFixed(0)} / llama.cpp ${(n / ms.lcTg[r]! * 1000).toFixed(0)}, pp ours ${(n / ms.oursPp[r]! * 1000).toFixed(0)} / llama.cpp ${(n / ms.lcPp[r]! * 1000).toFixed(0)} tokens/s`);
      }
      await lc.dispose();
      const tps = (xs: number[]): number => n / (median(xs) / 1000);
      const range = (xs: number[]): [number, number] => [Math.round(n / (Math.max(...xs) / 1000)), Math.round(n / (Math.min(...xs) / 1000))];
      for (const [phase, ours, theirs] of [["tg", ms.oursTg, ms.lcTg], ["pp", ms.oursPp, ms.lcPp]] as const) {
        const a = tps(ours);
        const b = tps(theirs);
        o.emit({
          bench: "decode", model: file.name, file: file.path, type, params_m: +(params / 1e6).toFixed(2), phase, threads, tokens: n, rounds: o.rounds, backend: backend.name,
          tokens_per_s: Math.round(a), llamacpp_tokens_per_s: Math.round(b), ratio: +(a / b).toFixed(2), range: { ours: range(ours), llamacpp: range(theirs) }, llamacpp: llamaDesc,
        });
      }
    }
  }
  return 0;
}

/** A row as one line of text. */
export function compareRowText(r: CompareRow): string {
  return `${r.model.padEnd(12)} ${r.type.padEnd(5)} ${r.phase}${r.tokens} ${r.threads}t  ours ${String(r.tokens_per_s).padStart(7)}  llama.cpp ${String(r.llamacpp_tokens_per_s).padStart(7)} tokens/s  → ${r.ratio.toFixed(2)}×  (rounds: ours ${r.range.ours.join("–")}, llama.cpp ${r.range.llamacpp.join("–")})`;
}
