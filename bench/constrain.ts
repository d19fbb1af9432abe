// `kotodama bench constrain`: the per-token cost of grammar-constrained decoding (src/infer/constrain) against
// unconstrained sampling, on real vocabularies (llama SPM 32k from ../shared/reference/tokenizers, Qwen2 151k from
// llama.cpp's test vocabularies) with synthetic logits: one step = mask (constrained only) + sample, timed per
// token (wall clock and this process's CPU time, which a loaded machine inflates less), with the mask cache cold (a
// fresh grammar) and warm (the same grammar again, as the server reuses it), and the ratio of each constrained row's
// mean cost per token to unconstrained decoding's.
// With --model, also a real model's decode with and without the constraint (tokens/s). Not here: library code.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { intFlag, parseFlags } from "../src/cli/command.js";
import { loadBackend } from "../src/engine/backend.js";
import { ConstraintCache, DEFAULT_GENERATE_OPTIONS, generateText, GrammarMasker, grammarConstraint, openInferModel, parseGbnf, Recognizer, Sampler, specGbnf, type ConstraintSpec } from "../src/infer/index.js";
import { loadTokenizer, type Tokenizer } from "../src/tokenizer/index.js";
import { KotodamaError } from "../src/util/errors.js";
import { sharedPath } from "../src/util/paths.js";
import { Rng } from "../src/util/rng.js";

export const summary = "constrain: per-token cost of JSON-schema masks vs unconstrained sampling (32k and 151k vocabularies)";

export const help = [
  "Usage: kotodama bench constrain [--vocab FILE ...] [--tokens N] [--runs N] [--model M] [--json]",
  "",
  "  --vocab FILE    a tokenizer (GGUF vocabulary, tokenizer.json); repeatable (default: llama-spm 32k from",
  "                  ../shared/reference/tokenizers and qwen2 151k from llama.cpp's test vocabularies)",
  "  --tokens N      tokens per generation at most (default 200)",
  "  --runs N        generations per vocabulary, cold then warm (default 4)",
  "  --model M       also time a real model's decode with and without the constraint, sampled (temperature 0.8)",
  "                  and greedy (where the constraint checks the argmax first and masks only when it is refused)",
  "  --model-only    skip the vocabulary rows",
  "  --json          one JSON object per line",
  "",
  "Per row: ms per token (mean, p50, p99, max) wall clock, then CPU (user + system of this process), then the",
  "constrained mean over the unconstrained mean (×).",
].join("\n");

/** A structured-output schema of the usual shape: nested object, array of objects, enums, numbers, bounded strings. */
export const BENCH_SCHEMA = {
  type: "object",
  properties: {
    name: { type: "string", maxLength: 24 },
    age: { type: "integer" },
    level: { enum: ["A1", "A2", "B1", "B2", "C1", "C2"] },
    scores: { type: "array", items: { type: "number" }, maxItems: 4 },
    address: { type: "object", properties: { city: { type: "string", maxLength: 16 }, zip: { type: "string", minLength: 3, maxLength: 8 } }, required: ["city"] },
    friends: { type: "array", items: { type: "object", properties: { name: { type: "string", maxLength: 12 }, close: { type: "boolean" } }, required: ["name", "close"], additionalProperties: false }, maxItems: 3 },
  },
  required: ["name", "age", "level", "scores", "address", "friends"],
  additionalProperties: false,
};

async function defaultVocabs(): Promise<string[]> {
  const out: string[] = [];
  const spm = sharedPath("reference", "tokenizers", "ggml-vocab-llama-spm.gguf");
  if (spm !== null) out.push(spm);
  let dir = process.env.KOTODAMA_LLAMA_VOCAB_DIR;
  if (dir === undefined) {
    const script = "../../scripts/llama-vocab.mjs"; // from dist/bench
    const mod = (await import(script)) as { llamaVocabDir(): { dir?: string } };
    dir = mod.llamaVocabDir().dir;
  }
  if (dir !== undefined && existsSync(join(dir, "ggml-vocab-qwen2.gguf"))) out.push(join(dir, "ggml-vocab-qwen2.gguf"));
  if (out.length === 0) throw new KotodamaError("kotodama bench constrain: no vocabulary found (../shared/reference/tokenizers, llama.cpp's test vocabularies); pass --vocab FILE");
  return out;
}

const pct = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

interface Steps {
  tokens: number;
  /** Per step: wall-clock ms, and this process's CPU ms (user + system: what the step cost, without the time other
   *  jobs on a loaded machine held the core). */
  ms: number[];
  cpu: number[];
  complete: number;
}

/** Generations with random logits (N(0, 3²)) sampled by the default sampler, with (masker) or without the
 *  constraint; each step timed from logits to sampled id. */
function steps(tok: Tokenizer, masker: GrammarMasker | null, runs: number, maxTokens: number, seed: number): Steps {
  const V = tok.vocabSize, eos = tok.special.eos ?? 0;
  const rng = new Rng(seed);
  const logits = new Float32Array(V);
  const ms: number[] = [], cpu: number[] = [];
  let complete = 0;
  for (let r = 0; r < runs; r++) {
    const sampler = new Sampler({ ...DEFAULT_GENERATE_OPTIONS, seed: seed + r }, V);
    const c = masker === null ? null : grammarConstraint(masker, new Set([eos]));
    const out: number[] = [];
    for (let step = 0; step < maxTokens; step++) {
      for (let i = 0; i < V; i++) logits[i] = 3 * rng.normal();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      c?.hook(logits, out);
      const id = sampler.sample(logits, out);
      ms.push(performance.now() - t0);
      const dc = process.cpuUsage(c0);
      cpu.push((dc.user + dc.system) / 1000);
      if (c !== null && id === eos) break;
      out.push(id);
    }
    if (c?.complete(out) === true) complete++;
  }
  return { tokens: ms.length, ms, cpu, complete };
}

export async function run(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags("bench constrain", argv, { vocab: { type: "string", multiple: true }, tokens: { type: "string" }, runs: { type: "string" }, model: { type: "string" }, "model-only": { type: "boolean" }, json: { type: "boolean" } }, false);
  const maxTokens = intFlag("bench constrain", "tokens", values.tokens, 200, 1, 100000);
  const runs = intFlag("bench constrain", "runs", values.runs, 4, 1, 1000);
  const vocabs = values["model-only"] === true ? [] : Array.isArray(values.vocab) ? values.vocab.map(String) : await defaultVocabs();
  const spec: ConstraintSpec = { kind: "json-schema", schema: BENCH_SCHEMA, source: "BENCH_SCHEMA" };
  const print = (row: Record<string, unknown>, text: string): void => void process.stdout.write(values.json === true ? `${JSON.stringify(row)}\n` : `${text}\n`);
  for (const file of vocabs) {
    const tok = loadTokenizer(file);
    const cache = new ConstraintCache();
    let t0 = performance.now();
    cache.trie(tok);
    const trieMs = performance.now() - t0;
    t0 = performance.now();
    const masker = cache.masker(tok, spec);
    const compileMs = performance.now() - t0;
    const free = steps(tok, null, runs, maxTokens, 1);
    const cold = steps(tok, masker, runs, maxTokens, 1);
    const coldStats = { ...masker.stats };
    const warm = steps(tok, masker, runs, maxTokens, 2);
    // The same schema compiled again with its reachable cut-stack masks precomputed (what a server can do once per
    // schema), then the cold run's seeds.
    const pre = new GrammarMasker(new Recognizer(parseGbnf(specGbnf(spec).text)), cache.trie(tok));
    t0 = performance.now();
    const done = pre.precompute(60000);
    const precomputeMs = performance.now() - t0;
    const preStats = { ...pre.stats };
    const precomputed = steps(tok, pre, runs, maxTokens, 1);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const row = (name: string, s: Steps): Record<string, unknown> => ({
      bench: "constrain", vocab: file.split("/").pop(), V: tok.vocabSize, mode: name, tokens: s.tokens,
      mean_ms: r3(mean(s.ms)), p50_ms: r3(pct(s.ms, 0.5)), p99_ms: r3(pct(s.ms, 0.99)), max_ms: r3(Math.max(...s.ms)),
      cpu_mean_ms: r3(mean(s.cpu)), cpu_p50_ms: r3(pct(s.cpu, 0.5)), cpu_p99_ms: r3(pct(s.cpu, 0.99)),
      // The cost per token against unconstrained decoding (mean per step, wall and CPU).
      ...(name === "unconstrained" ? {} : { complete: `${s.complete}/${runs}`, vs_unconstrained: r3(mean(s.ms) / mean(free.ms)), cpu_vs_unconstrained: r3(mean(s.cpu) / mean(free.cpu)) }),
    });
    const rows = [row("unconstrained", free), row("constrained-cold", cold), row("constrained-warm", warm), row("constrained-precomputed", precomputed)];
    print({ bench: "constrain", vocab: file.split("/").pop(), V: tok.vocabSize, trie_nodes: masker.trie.nodes, trie_ms: Math.round(trieMs), compile_ms: Math.round(compileMs), cut_masks_cold: coldStats.computed, cut_masks_total: masker.stats.computed, cache_hits: masker.stats.hits, contextual_checked: masker.stats.contextualChecked, nodes_walked: masker.stats.nodesWalked, dfa_states: masker.dfa.size },
      `${file.split("/").pop()} (V=${tok.vocabSize}): trie ${masker.trie.nodes} nodes in ${Math.round(trieMs)} ms; grammar ${Math.round(compileMs)} ms; cut-stack masks computed ${coldStats.computed} cold, ${masker.stats.computed - coldStats.computed} more warm; cache hits ${masker.stats.hits}; contextual tokens checked ${masker.stats.contextualChecked}; trie nodes walked ${masker.stats.nodesWalked}; automaton states ${masker.dfa.size}`);
    print({ bench: "constrain", vocab: file.split("/").pop(), V: tok.vocabSize, precompute_ms: Math.round(precomputeMs), precompute_stacks: done.stacks, precompute_walks: done.walks, precompute_complete: done.complete, walks_after_precompute: pre.stats.computed - preStats.computed },
      `  precompute: ${done.stacks} reachable stacks, ${done.walks} cut-stack masks in ${Math.round(precomputeMs)} ms (${done.complete ? "all" : "bounded"}); walks left for generation: ${pre.stats.computed - preStats.computed}`);
    for (const r of rows) print(r, `  ${String(r.mode).padEnd(18)} ${String(r.tokens).padStart(5)} tokens  mean ${r.mean_ms} ms  p50 ${r.p50_ms}  p99 ${r.p99_ms}  max ${r.max_ms} | cpu mean ${r.cpu_mean_ms} p50 ${r.cpu_p50_ms} p99 ${r.cpu_p99_ms}${r.complete === undefined ? "" : ` | ×${r.vs_unconstrained} (cpu ×${r.cpu_vs_unconstrained}) of unconstrained  complete ${String(r.complete)}`}`);
  }
  if (typeof values.model === "string") {
    const model = openInferModel(values.model, { backend: loadBackend({}) });
    const masker = new ConstraintCache().masker(model.tokenizer, spec);
    const eos = model.tokenizer.special.eos!;
    for (const temperature of [0.8, 0]) {
      const o = { seed: 1, maxTokens: Math.min(maxTokens, model.config.context - 8), temperature };
      const timed = async (constrained: boolean): Promise<{ tokens: number; ms: number }> => {
        let tokens = 0, ms = 0;
        for (let r = 0; r < runs; r++) {
          const hooks = constrained ? grammarConstraint(masker, new Set([eos])).hooks : {};
          const t0 = performance.now();
          const g = await generateText(model, "Once upon a time", { ...o, seed: r + 1, ...(constrained ? {} : { ignoreEos: true, maxTokens: o.maxTokens }) }, undefined, hooks);
          ms += performance.now() - t0;
          tokens += g.ids.length;
        }
        return { tokens, ms };
      };
      await timed(true); // warm the mask cache and the kernels
      for (const c of [false, true]) {
        const t = await timed(c);
        const row = { bench: "constrain", model: values.model, V: model.config.vocabSize, temperature, mode: c ? "model-constrained-warm" : "model-unconstrained", tokens: t.tokens, ms_per_token: r3(t.ms / t.tokens), tokens_per_s: Math.round(t.tokens / (t.ms / 1000)) };
        print(row, `  T=${temperature} ${row.mode.padEnd(24)} ${t.tokens} tokens  ${row.ms_per_token} ms/token  ${row.tokens_per_s} tokens/s (prefill included)`);
      }
    }
  }
  return 0;
}
