// An RL run (PPO or GRPO) from a reward model, on the pretraining loop: each iteration generates rollouts with the
// current policy (rollout.ts), then takes `epochs` optimizer steps on them (the clipped objectives of
// objectives.ts); the reference is the starting model, frozen. PPO adds a value head on the policy's hidden states
// (v_head.weight) and a per-token KL penalty in the reward; GRPO samples a group of answers per prompt and puts
// its KL term in the loss. Full weights or LoRA. The run directory is DPO's (config.json, tokenizer files,
// model.safetensors, checkpoints, metrics.jsonl with reward, KL, length and entropy, loss.svg) plus rollout.json
// (the current iteration's rollouts, so that a run killed mid-iteration resumes on the same ones), samples.jsonl
// (every iteration's answers) and rl.svg (reward and KL per step).
// Resuming: checkpoints fall on iteration boundaries; a rollout is a pure function of the weights at its
// iteration's start and the seed, and the current one is also cached, so a resumed run takes the same steps.
// Not here: flag parsing (cli/commands/align.ts), the reward model (reward/).
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readPrefsFile } from "../../data/prefs/format.js";
import { namedWeights, type DecoderWeights, type ModelConfig } from "../../models/index.js";
import { Graph, type Tensor } from "../../tensor/index.js";
import { add, scale } from "../../tensor/index.js";
import { hfTokenizerConfig, type Tokenizer } from "../../tokenizer/index.js";
import { KotodamaError } from "../../util/errors.js";
import { Rng } from "../../util/rng.js";
import { writeAtomic } from "../checkpoint.js";
import { validateTrainConfig, type RunConfig, type TrainConfig } from "../config.js";
import { windowStride, type Batch, type BatchSource } from "../data.js";
import { baseIdentity, loraAdapt, openBase, sha256File, type FinetuneRunOptions } from "../finetune.js";
import { train, type Objective, type TrainResult, type Trainable } from "../loop.js";
import { readMetrics } from "../metrics.js";
import { lossCurveSvg } from "../plot.js";
import { openRewardModel } from "../reward/model.js";
import { clippedSurrogate, clippedValueLoss, klK3 } from "./objectives.js";
import type { KvCachePool } from "../../infer/index.js";
import { makeRollout, policyForward, promptIdsOf, rolloutPool, type Rollout, type RlPrompt, type RolloutSettings } from "./rollout.js";

export type RlMethod = "ppo" | "grpo";

export interface RlSettings {
  readonly iterations?: number;
  /** Prompts per iteration (GRPO: each answered `group` times). */
  readonly prompts?: number;
  readonly group?: number;
  /** Optimizer steps on each iteration's rollouts. */
  readonly epochs?: number;
  readonly lr?: number;
  /** PPO: KL penalty in the reward; GRPO: weight of the k3 KL term in the loss. */
  readonly klCoef?: number;
  readonly clip?: number;
  readonly valueCoef?: number;
  readonly valueClip?: number;
  readonly gamma?: number;
  readonly lambda?: number;
  readonly maxNewTokens?: number;
  readonly temperature?: number;
  readonly seed?: number;
  readonly lora?: Readonly<Record<string, unknown>>;
}

export interface RlOptions extends FinetuneRunOptions {
  readonly method: RlMethod;
  readonly model: string;
  /** A reward run directory (kotodama reward train). */
  readonly reward: string;
  /** Prompts: the conversations of a preference JSONL (chosen/rejected are not used). */
  readonly prefs: string;
  readonly settings?: RlSettings;
}

export interface RlResult extends TrainResult {
  readonly tokenizer: Tokenizer;
  readonly iterations: number;
  /** Mean reward-model score of the first and the last iteration's rollouts. */
  readonly firstReward: number;
  readonly lastReward: number;
}

/** Defaults: InstructGPT/TRL-style PPO (clip 0.2, value coefficient 0.5 with value clipping 0.2, γ 1, λ 0.95,
 *  β 0.05 per-token KL in the reward) and GRPO as DeepSeekMath (group 4 here for CPU budgets, β 0.04). */
export const RL_DEFAULTS = { iterations: 20, prompts: 8, group: 4, epochs: 2, lr: 1e-5, loraLr: 1e-4, ppoKl: 0.05, grpoKl: 0.04, clip: 0.2, valueCoef: 0.5, valueClip: 0.2, gamma: 1, lambda: 0.95, maxNewTokens: 32, temperature: 1 } as const;

function rlTrainConfig(s: RlSettings, method: RlMethod, rows: number): TrainConfig {
  const K = s.epochs ?? RL_DEFAULTS.epochs;
  const lr = s.lr ?? (s.lora !== undefined ? RL_DEFAULTS.loraLr : RL_DEFAULTS.lr);
  const iters = s.iterations ?? RL_DEFAULTS.iterations;
  return validateTrainConfig(
    {
      lr, minLr: lr, warmupSteps: 0, maxSteps: iters * K, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, gradClip: 1,
      batchSize: rows, gradAccum: 1, evalInterval: K * Math.max(1, Math.floor(iters / 10)), evalBatches: 1, checkpointInterval: K,
      seed: s.seed ?? 1337,
    },
    method,
  );
}

/** The distinct conversations of a preference file, in file order. */
function promptsOf(path: string): RlPrompt[] {
  const seen = new Set<string>();
  const out: RlPrompt[] = [];
  for (const p of readPrefsFile(path).pairs) {
    const key = JSON.stringify(p.messages);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ messages: p.messages, where: p.where });
  }
  if (out.length === 0) throw new KotodamaError(`${path}: no prompts`);
  return out;
}

interface RolloutFile {
  readonly version: 1;
  readonly key: string;
  readonly rollout: Omit<Rollout, "inputs" | "targets" | "aux"> & { inputs: number[]; targets: number[]; aux: Record<string, number[]> };
}

function saveRollout(path: string, key: string, r: Rollout): void {
  const f: RolloutFile = {
    version: 1, key,
    rollout: { ...r, inputs: Array.from(r.inputs), targets: Array.from(r.targets), aux: Object.fromEntries(Object.entries(r.aux).map(([k, v]) => [k, Array.from(v)])) },
  };
  writeAtomic(path, (tmp) => writeFileSync(tmp, JSON.stringify(f)));
}

function loadRollout(path: string, key: string, iteration: number): Rollout | null {
  if (!existsSync(path)) return null;
  let f: RolloutFile;
  try {
    f = JSON.parse(readFileSync(path, "utf8")) as RolloutFile;
  } catch {
    return null; // an unreadable cache is recomputed, never trusted
  }
  if (f.version !== 1 || f.key !== key || f.rollout.iteration !== iteration) return null;
  const r = f.rollout;
  const aux = Object.fromEntries(Object.entries(r.aux).map(([k, v]) => [k, Float32Array.from(v)])) as unknown as Rollout["aux"];
  return { ...r, inputs: Int32Array.from(r.inputs), targets: Int32Array.from(r.targets), aux };
}

export function runRl(o: RlOptions): RlResult {
  const log = o.log ?? ((): void => {});
  const s = o.settings ?? {};
  const method = o.method;
  const seed = s.seed ?? 1337;
  const { m, init, lora: lc, templates, tokenizerJson: tokJson } = openBase(method, o.model, s.lora, o.outDir, log);
  const tok = m.tokenizer;
  const c: ModelConfig = m.config;
  const reward = openRewardModel(o.reward, o.backend);
  const prompts = promptsOf(o.prefs);
  const P = s.prompts ?? RL_DEFAULTS.prompts;
  const G = method === "grpo" ? (s.group ?? RL_DEFAULTS.group) : 1;
  if (method === "grpo" && G < 2) throw new KotodamaError("grpo: the group must hold at least 2 answers per prompt");
  const K = s.epochs ?? RL_DEFAULTS.epochs;
  const rs: RolloutSettings = {
    method, group: G, maxNewTokens: s.maxNewTokens ?? RL_DEFAULTS.maxNewTokens, temperature: s.temperature ?? RL_DEFAULTS.temperature,
    klCoef: s.klCoef ?? (method === "ppo" ? RL_DEFAULTS.ppoKl : RL_DEFAULTS.grpoKl), gamma: s.gamma ?? RL_DEFAULTS.gamma, lambda: s.lambda ?? RL_DEFAULTS.lambda,
  };
  const clip = s.clip ?? RL_DEFAULTS.clip, valueCoef = s.valueCoef ?? RL_DEFAULTS.valueCoef, valueClip = s.valueClip ?? RL_DEFAULTS.valueClip;
  const longestPrompt = Math.max(...prompts.map((p) => promptIdsOf(tok, templates, p).length));
  const T = Math.min(c.context, longestPrompt + rs.maxNewTokens + 1);
  const usable = prompts.filter((p) => promptIdsOf(tok, templates, p).length + 2 <= T);
  if (usable.length < prompts.length) log(`${prompts.length - usable.length} prompts too long for the context of ${c.context} left out`);
  const R = P * G;
  const tc = rlTrainConfig(s, method, R);
  const run: RunConfig = { preset: "default", model: c, train: tc };
  const configJson = `${JSON.stringify(
    {
      kind: method, base: baseIdentity(m), model: c, train: tc,
      rl: {
        reward: o.reward, rewardSha256: existsSync(join(o.reward, "head.safetensors")) ? sha256File(join(o.reward, "head.safetensors")) : "",
        prefs: { path: o.prefs, sha256: sha256File(o.prefs), prompts: usable.length },
        promptsPerIteration: P, epochs: K, clip, valueCoef, valueClip, ...rs, template: templates.source, lora: lc, seqLen: T, seed,
      },
    },
    null,
    2,
  )}\n`;
  if (o.outDir !== null && existsSync(join(o.outDir, "config.json")) && readFileSync(join(o.outDir, "config.json"), "utf8") !== configJson) {
    throw new KotodamaError(`${method}: ${o.outDir} holds a run with a different config; pass another --out, or the same settings to resume it`);
  }
  const key = configJson;

  // The frozen reference on its own graph.
  const refGraph = new Graph(o.backend);
  const reference = init(refGraph, c, new Rng(seed));
  // The policy, set when the loop builds it (adapt).
  let graph: Graph | null = null;
  let pool: KvCachePool | undefined; // the rollouts' KV caches, made at the first rollout and kept
  let policyNow: () => DecoderWeights = () => reference;
  let valueHead: Tensor | null = null;
  const body = lc === null ? null : loraAdapt(m, lc, seed, log);
  const adapt = (g: Graph, w: DecoderWeights, rng: Rng): Trainable => {
    graph = g;
    const t: Trainable = body !== null ? body(g, w, rng) : { weights: w, params: namedWeights(w), saved: () => w };
    policyNow = body !== null ? t.saved : () => w;
    if (method === "grpo") return t;
    const v = new Float32Array(c.dim); // the value head starts at 0: every value estimate 0
    valueHead = g.parameter(v, [1, c.dim], "v_head.weight");
    return { ...t, params: [...t.params, { name: "v_head.weight", tensor: valueHead, hfTransposed: false, decay: false }] };
  };

  const S = windowStride(usable.length);
  const rolloutPath = o.outDir === null ? null : join(o.outDir, "rollout.json");
  let current: Rollout | null = null;
  const rollouts: Rollout[] = [];
  const rolloutAt = (iteration: number): Rollout => {
    if (current !== null && current.iteration === iteration) return current;
    const cached = rolloutPath === null ? null : loadRollout(rolloutPath, key, iteration);
    if (cached !== null) {
      current = cached;
      return cached;
    }
    if (graph === null) throw new KotodamaError(`${method}: rollouts are made once the loop has built the policy`);
    const ps = Array.from({ length: P }, (_, j) => usable[Number((BigInt(iteration * P + j) * BigInt(S)) % BigInt(usable.length))]!);
    const t0 = performance.now();
    const r = makeRollout({
      iteration, prompts: ps, seed: seed * 1_000_003 + iteration * R, T, c, tok, templates, backend: o.backend,
      policy: policyNow(), valueHead, reference, graph, refGraph, reward, settings: rs, pool: (pool ??= rolloutPool(c, R, T)),
    });
    log(`iteration ${iteration + 1}: ${R} rollouts in ${((performance.now() - t0) / 1000).toFixed(1)} s; reward ${r.stats.reward.toFixed(3)}, KL ${r.stats.kl.toFixed(3)}, length ${r.stats.length.toFixed(1)}, entropy ${r.stats.entropy.toFixed(3)}`);
    if (rolloutPath !== null) {
      saveRollout(rolloutPath, key, r);
      appendFileSync(join(o.outDir!, "samples.jsonl"), r.answers.map((a, i) => `${JSON.stringify({ iteration, prompt: ps[Math.floor(i / G)]!.messages.at(-1)!.content, answer: a, score: r.scores[i] })}\n`).join(""));
    }
    current = r;
    rollouts.push(r);
    return r;
  };
  const batchOf = (r: Rollout): Batch => ({ inputs: r.inputs, targets: r.targets, aux: r.aux as unknown as Readonly<Record<string, Float32Array>> });
  const batches: BatchSource = {
    seqLen: T, vocabSize: tok.vocabSize, description: `${usable.length} prompts, ${P} per iteration${G > 1 ? ` × ${G} answers` : ""}, ${K} optimizer steps per iteration, rows of ${T} tokens`,
    trainBatch: (step) => batchOf(rolloutAt(Math.floor(step / K))),
    valBatch: () => batchOf(current ?? rolloutAt(0)),
  };

  let last: Record<string, number> = {};
  const objective: Objective = {
    rowsPerItem: 1,
    loss: (cc, w, b, B, TT) => {
      const a = b.aux;
      if (a === undefined) throw new KotodamaError(`${method}: a batch without rollout data`);
      const f = policyForward(cc, w, valueHead, b.inputs as Int32Array, b.targets as Int32Array, B, TT);
      const pg = clippedSurrogate(f.logp, a.oldLogp!, a.adv!, a.mask!, clip);
      let loss = pg.loss;
      const r = current!;
      const stats: Record<string, number> = { reward: r.stats.reward, kl: r.stats.kl, length: r.stats.length, entropy: r.stats.entropy, clip_frac: pg.stats.clipFrac, approx_kl: pg.stats.approxKl, pg_loss: pg.loss.item() };
      if (method === "ppo" && f.values !== null) {
        const vl = clippedValueLoss(f.values, a.oldValues!, a.returns!, a.mask!, valueClip);
        stats.value_loss = vl.item();
        loss = add(loss, scale(vl, valueCoef));
      } else {
        const k = klK3(f.logp, a.refLogp!, a.mask!);
        stats.kl_k3 = k.kl;
        loss = add(loss, scale(k.loss, rs.klCoef));
      }
      last = stats;
      return loss;
    },
    stats: () => ({ ...last }),
  };

  const res = train({
    run, batches, backend: o.backend, outDir: o.outDir, init, configJson, title: `${method}${lc === null ? "" : ` (LoRA r${lc.rank})`}: loss per step`,
    objective, adapt, tokenizerJson: tokJson,
    extraFiles: new Map([["tokenizer_config.json", `${JSON.stringify(hfTokenizerConfig(tok, templates), null, 2)}\n`]]),
    ...(o.timeBudgetS !== undefined ? { timeBudgetS: o.timeBudgetS } : {}),
    ...(o.stopAfterStep !== undefined ? { stopAfterStep: o.stopAfterStep } : {}),
    ...(o.onProgress !== undefined ? { onProgress: o.onProgress } : {}),
    log,
  });
  if (o.outDir !== null && res.steps > 0) {
    const ms = readMetrics(join(o.outDir, "metrics.jsonl")) as unknown as readonly Readonly<Record<string, number | undefined>>[];
    const pts = (k: string): (readonly [number, number])[] => ms.filter((x) => x[k] !== undefined).map((x) => [x.step!, x[k]!] as const);
    const svg = lossCurveSvg(
      [
        { name: "reward (reward model)", color: "#2ca02c", points: pts("reward") },
        { name: "KL to the reference (nats per answer)", color: "#d62728", points: pts("kl") },
        { name: "entropy (nats per token)", color: "#1f77b4", points: pts("entropy") },
      ],
      { title: `${method}: reward, KL and entropy of each iteration's rollouts`, xLabel: "step" },
    );
    writeAtomic(join(o.outDir, "rl.svg"), (tmp) => writeFileSync(tmp, svg));
  }
  const firstReward = rollouts[0]?.stats.reward ?? NaN;
  const lastReward = (current as Rollout | null)?.stats.reward ?? NaN;
  return { ...res, tokenizer: tok, iterations: Math.ceil(res.steps / K), firstReward, lastReward };
}
