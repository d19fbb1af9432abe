// The AdamW optimizer (Loshchilov & Hutter 2019): decoupled weight decay configurable per parameter group,
// one backend kernel per parameter, state (m, v, step) exportable for checkpoints.
// Not here: learning-rate schedules (the caller passes lr to each step), clipping (clip.ts), grouping rules
// (the caller decides which params decay: typically matrices yes, norms and biases no).

import { KotodamaError, ShapeError } from "../../util/errors.js";
import type { Tensor } from "../../tensor/tensor.js";

export interface AdamWConfig {
  /** Learning rate used when step() gets none. */
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** Default decoupled weight decay of groups that do not set their own. */
  readonly weightDecay: number;
}

/** PyTorch's torch.optim.AdamW defaults. */
export const ADAMW_DEFAULTS: Omit<AdamWConfig, "lr"> = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

export interface ParamGroup {
  readonly params: readonly Tensor[];
  /** Overrides the config's weightDecay for this group (0 for norms and biases). */
  readonly weightDecay?: number;
}

/** Optimizer state for checkpoints: m and v in parameter order (groups flattened), and the step count. */
export interface AdamWState {
  readonly step: number;
  readonly m: readonly Float32Array[];
  readonly v: readonly Float32Array[];
}

function isGroupList(x: readonly ParamGroup[] | readonly Tensor[]): x is readonly ParamGroup[] {
  for (const item of x) if (!("params" in item)) return false;
  return true;
}

const CONFIG_KEYS = ["lr", "beta1", "beta2", "eps", "weightDecay"];

/** Validates a partial config (unknown keys and out-of-range values are errors) and fills in the defaults. */
export function resolveAdamWConfig(config: Partial<AdamWConfig> & { readonly lr: number }): AdamWConfig {
  for (const k of Object.keys(config)) {
    if (!CONFIG_KEYS.includes(k)) throw new KotodamaError(`AdamW: unknown option "${k}" (expected one of ${CONFIG_KEYS.join(", ")})`);
  }
  const c: AdamWConfig = { ...ADAMW_DEFAULTS, ...config };
  const need = (ok: boolean, what: string): void => {
    if (!ok) throw new KotodamaError(`AdamW: ${what}`);
  };
  need(Number.isFinite(c.lr) && c.lr >= 0, `lr must be finite and ≥ 0, got ${c.lr}`);
  need(c.beta1 >= 0 && c.beta1 < 1, `beta1 must be in [0, 1), got ${c.beta1}`);
  need(c.beta2 >= 0 && c.beta2 < 1, `beta2 must be in [0, 1), got ${c.beta2}`);
  need(Number.isFinite(c.eps) && c.eps > 0, `eps must be finite and > 0, got ${c.eps}`);
  need(Number.isFinite(c.weightDecay) && c.weightDecay >= 0, `weightDecay must be finite and ≥ 0, got ${c.weightDecay}`);
  return c;
}

export class AdamW {
  readonly config: AdamWConfig;
  private readonly params: Tensor[] = [];
  private readonly decay: number[] = [];
  private readonly m: Float32Array[] = [];
  private readonly v: Float32Array[] = [];
  private steps = 0;

  /** groups: parameter groups, or a plain list of parameters (one group with the config's weight decay). */
  constructor(groups: readonly ParamGroup[] | readonly Tensor[], config: Partial<AdamWConfig> & { readonly lr: number }) {
    this.config = resolveAdamWConfig(config);
    const list: readonly ParamGroup[] = isGroupList(groups) ? groups : [{ params: groups }];
    for (const group of list) {
      const wd = group.weightDecay ?? this.config.weightDecay;
      if (!Number.isFinite(wd) || wd < 0) throw new KotodamaError(`AdamW: group weightDecay must be finite and ≥ 0, got ${wd}`);
      for (const p of group.params) {
        if (this.params.includes(p)) throw new KotodamaError(`AdamW: parameter ${p.name ?? ""} appears twice`);
        if (!p.isLeaf || !p.requiresGrad) throw new KotodamaError(`AdamW: ${p.name ?? "a tensor"} is not a trainable leaf`);
        this.params.push(p);
        this.decay.push(wd);
        this.m.push(new Float32Array(p.size));
        this.v.push(new Float32Array(p.size));
      }
    }
  }

  /** Number of steps taken (the bias-correction step of the last update). */
  get stepCount(): number {
    return this.steps;
  }

  /** One update of every parameter that has a gradient, with learning rate lr (default config.lr). */
  step(lr: number = this.config.lr): void {
    if (!Number.isFinite(lr) || lr < 0) throw new KotodamaError(`AdamW.step: lr must be finite and ≥ 0, got ${lr}`);
    this.steps++;
    const { beta1, beta2, eps } = this.config;
    for (let i = 0; i < this.params.length; i++) {
      const p = this.params[i];
      const grad = p.grad;
      if (grad === null) continue; // never reached by backward: nothing to update (as PyTorch skips grad=None)
      p.graph.backend.adamw({ param: p.data, grad, m: this.m[i], v: this.v[i], lr, beta1, beta2, eps, weightDecay: this.decay[i], step: this.steps });
    }
  }

  /** Zeroes every parameter's gradient in place. */
  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  /** The live state arrays (no copy: write them out before the next step). */
  exportState(): AdamWState {
    return { step: this.steps, m: this.m, v: this.v };
  }

  /** Restores state exported from an optimizer over parameters of the same sizes in the same order. */
  importState(state: AdamWState): void {
    if (!Number.isInteger(state.step) || state.step < 0) throw new KotodamaError(`AdamW.importState: bad step ${state.step}`);
    if (state.m.length !== this.params.length || state.v.length !== this.params.length) {
      throw new ShapeError(`AdamW.importState: state has ${state.m.length} m and ${state.v.length} v arrays for ${this.params.length} parameters`);
    }
    this.params.forEach((p, i) => {
      if (state.m[i].length !== p.size || state.v[i].length !== p.size) {
        throw new ShapeError(`AdamW.importState: parameter ${i}${p.name ? ` (${p.name})` : ""} has ${p.size} elements, state has m ${state.m[i].length}, v ${state.v[i].length}`);
      }
    });
    this.params.forEach((_, i) => {
      this.m[i].set(state.m[i]);
      this.v[i].set(state.v[i]);
    });
    this.steps = state.step;
  }
}
