// Tests of the RL pieces against worked numbers: GAE, whitening and GRPO's group advantages by hand; PPO's
// clipped surrogate and clipped value loss (value and gradient, each branch of the min/max) and GRPO's k3 KL by
// hand and by finite differences.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRefBackend } from "../../engine/backends/ref/index.js";
import { Graph, gradCheck } from "../../tensor/index.js";
import { gae, groupAdvantages, whiten } from "./advantages.js";
import { clippedSurrogate, clippedValueLoss, klK3 } from "./objectives.js";

const close = (a: number, b: number, tol: number, what: string): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);
const f32 = (xs: number[]): Float32Array => Float32Array.from(xs);

test("gae: δ and the λ-discounted sum by hand; returns are advantages + values", () => {
  // r = (0, 0, 1), V = (0.5, 0.6, 0.7), γ = 1, λ = 0.9:
  // δ2 = 1 − 0.7 = 0.3; δ1 = 0 + 0.7 − 0.6 = 0.1; δ0 = 0 + 0.6 − 0.5 = 0.1
  // A2 = 0.3; A1 = 0.1 + 0.9·0.3 = 0.37; A0 = 0.1 + 0.9·0.37 = 0.433
  const { advantages, returns } = gae([0, 0, 1], [0.5, 0.6, 0.7], 1, 0.9);
  [0.433, 0.37, 0.3].forEach((x, i) => close(advantages[i]!, x, 1e-12, `A${i}`));
  [0.933, 0.97, 1.0].forEach((x, i) => close(returns[i]!, x, 1e-12, `R${i}`));
  // γ = 0.5, λ = 1: A2 = 0.3; A1 = (0 + 0.5·0.7 − 0.6) + 0.5·0.3 = −0.1; A0 = (0 + 0.5·0.6 − 0.5) + 0.5·(−0.1) = −0.25
  const b = gae([0, 0, 1], [0.5, 0.6, 0.7], 0.5, 1).advantages;
  [-0.25, -0.1, 0.3].forEach((x, i) => close(b[i]!, x, 1e-12, `γ=0.5 A${i}`));
  const w = [Float64Array.from([1, 2]), Float64Array.from([3])];
  whiten(w); // mean 2, population sd √(2/3)
  close(w[0]![0]!, -1 / Math.sqrt(2 / 3), 1e-7, "whitened");
  close(w[1]![0]!, 1 / Math.sqrt(2 / 3), 1e-7, "whitened");
});

test("groupAdvantages: (r − group mean) / group sample std; a uniform group gives 0", () => {
  const a = groupAdvantages([1, 0, 0, 1, 2, 2, 2, 2], 4);
  // group 1: mean 0.5, sample std √(1/3): ±0.866; group 2: all equal → 0
  [0.5, -0.5, -0.5, 0.5].forEach((x, i) => close(a[i]!, x / (Math.sqrt(1 / 3) + 1e-4), 1e-9, `A${i}`));
  assert.deepEqual([...a.slice(4)], [0, 0, 0, 0]);
  assert.throws(() => groupAdvantages([1, 2, 3], 2), /do not form groups of 2/);
});

test("clippedSurrogate: value and gradient by hand on each branch; finite differences", () => {
  const g = new Graph(createRefBackend());
  // Three response tokens and a masked one. ε = 0.2. old log-probs 0; new log-probs give ρ = e^x.
  // t0: ρ = e^0.1 = 1.105, A = 1 → unclipped (ρA < 1.2A): −ρA/3, gradient −ρ·A/3
  // t1: ρ = e^0.5 = 1.649, A = 1 → clipped at 1.2 (smaller): −1.2/3, no gradient
  // t2: ρ = e^−0.5 = 0.607, A = −2 → min(−1.213, −1.6) = clip: −(0.8·−2)/3, no gradient
  // t3: masked out.
  const x = [0.1, 0.5, -0.5, 3];
  const logp = g.tensor(f32(x), [4], { requiresGrad: true });
  const { loss, stats } = clippedSurrogate(logp, f32([0, 0, 0, 0]), f32([1, 1, -2, 5]), f32([1, 1, 1, 0]), 0.2);
  const want = -(Math.exp(0.1) * 1 + 1.2 + 0.8 * -2) / 3;
  close(loss.item(), want, 1e-6, "loss");
  close(stats.clipFrac, 2 / 3, 1e-12, "clip fraction");
  g.backward(loss);
  const gr = Array.from(logp.grad!);
  close(gr[0]!, -Math.exp(0.1) / 3, 1e-6, "dL/dlogp0");
  assert.deepEqual(gr.slice(1), [0, 0, 0]);
  const y = g.tensor(f32([0.05, -0.1, 0.02, 0.1]), [4], { requiresGrad: true });
  const r = gradCheck(g, () => clippedSurrogate(y, f32([0, 0, 0, 0]), f32([1, -1, 0.5, 2]), f32([1, 1, 1, 1]), 0.2).loss, [y], { h: 1e-3 });
  assert.ok(r.ok, JSON.stringify(r.inputs));
});

test("clippedValueLoss: ½·max of the unclipped and clipped squared errors, by hand", () => {
  const g = new Graph(createRefBackend());
  // ε = 0.2, old values 0. t0: V = 0.1, R = 1: both terms (0.9)² → gradient (V − R)/2 = −0.45
  // t1: V = 0.5 (clip → 0.2), R = 1: unclipped 0.25 < clipped 0.64 → constant 0.32, no gradient
  // t2: V = −0.5 (clip → −0.2), R = −1: unclipped 0.25 < clipped 0.64 → constant; t3: V = 0.5, R = 0: unclipped
  // 0.25 > clipped 0.04 → gradient V − R = 0.5 over 4 tokens
  const v = g.tensor(f32([0.1, 0.5, -0.5, 0.5]), [4], { requiresGrad: true });
  const loss = clippedValueLoss(v, f32([0, 0, 0, 0]), f32([1, 1, -1, 0]), f32([1, 1, 1, 1]), 0.2);
  close(loss.item(), (0.5 * (0.81 + 0.64 + 0.64 + 0.25)) / 4, 1e-6, "loss");
  g.backward(loss);
  const gr = Array.from(v.grad!);
  [(0.1 - 1) / 4, 0, 0, 0.5 / 4].forEach((x, i) => close(gr[i]!, x, 1e-6, `dL/dV${i}`));
});

test("klK3: exp(r − π) − (r − π) − 1 averaged over response tokens; zero at the reference; finite differences", () => {
  const g = new Graph(createRefBackend());
  const lp = g.tensor(f32([-1, -2, -0.5]), [3], { requiresGrad: true });
  const { loss, kl } = klK3(lp, f32([-1.5, -2, 0]), f32([1, 1, 0]));
  const k = (d: number): number => Math.exp(d) - d - 1;
  close(loss.item(), (k(-0.5) + k(0)) / 2, 1e-6, "k3");
  close(kl, (k(-0.5) + k(0)) / 2, 1e-6, "reported");
  const z = g.tensor(f32([-1, -2, -0.5]), [3], { requiresGrad: true });
  const r = gradCheck(g, () => klK3(z, f32([-1.2, -1.7, -0.4]), f32([1, 1, 1])).loss, [z], { h: 1e-3 });
  assert.ok(r.ok, JSON.stringify(r.inputs));
});
