// The models a server may serve, by name, loaded on first use and unloaded least-recently-used first when more than
// `maxModels` are loaded or their weights exceed `maxBytes`. Lives in the inference worker, which owns the models.
// Not here: where names and paths come from and the --allow-dir check (model-specs.ts), inference (run-job.ts).
import type { InferModel } from "../../infer/index.js";
import { ApiError } from "./errors.js";
import type { ModelSpec } from "./protocol.js";

/** Anything with weights (an InferModel in the server; plain objects in tests). */
export type Loadable = Pick<InferModel, "weights"> | { readonly weights: unknown };

export interface RegistryOptions<M extends Loadable> {
  readonly maxModels: number;
  readonly maxBytes: number | null;
  readonly open: (path: string) => M;
  /** Where load failures are described in full (the client only hears that the model could not be loaded). */
  readonly log?: (text: string) => void;
}

/** Bytes held by typed arrays reachable from `root` (each buffer counted once): a loaded model's weights. */
export function heldBytes(root: unknown): number {
  const buffers = new Set<ArrayBufferLike>();
  const seen = new Set<object>();
  let total = 0;
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== "object" || seen.has(v)) return;
    seen.add(v);
    if (ArrayBuffer.isView(v)) {
      if (!buffers.has(v.buffer)) {
        buffers.add(v.buffer);
        total += v.buffer.byteLength;
      }
      return;
    }
    for (const x of Array.isArray(v) ? v : Object.values(v)) walk(x);
  };
  walk(root);
  return total;
}

export class ModelRegistry<M extends Loadable = InferModel> {
  private readonly specs: ReadonlyMap<string, ModelSpec>;
  /** Loaded models, least recently used first (Map keeps insertion order; a use re-inserts). */
  private readonly loaded = new Map<string, { model: M; bytes: number }>();

  constructor(
    specs: readonly ModelSpec[],
    private readonly o: RegistryOptions<M>,
  ) {
    this.specs = new Map(specs.map((s) => [s.name, s]));
  }

  names(): string[] {
    return [...this.specs.keys()];
  }

  /** Names loaded now and their bytes in total. */
  state(): { loaded: string[]; bytes: number } {
    let bytes = 0;
    for (const m of this.loaded.values()) bytes += m.bytes;
    return { loaded: [...this.loaded.keys()], bytes };
  }

  /** The model called `name`, loading it (and unloading others past the caps) when needed. */
  get(name: string): M {
    const hit = this.loaded.get(name);
    if (hit !== undefined) {
      this.loaded.delete(name);
      this.loaded.set(name, hit);
      return hit.model;
    }
    const spec = this.specs.get(name);
    if (spec === undefined) throw new ApiError(404, `The model '${name}' does not exist (this server has: ${this.names().join(", ")})`, "model", "model_not_found");
    let model: M;
    try {
      model = this.o.open(spec.path);
    } catch (e) {
      (this.o.log ?? ((t) => process.stderr.write(t)))(`model '${name}' (${spec.path}) failed to load: ${e instanceof Error ? e.message : String(e)}\n`);
      throw new ApiError(500, `The model '${name}' could not be loaded (see the server's terminal)`, "model", "model_load_failed");
    }
    const bytes = heldBytes(model.weights);
    this.loaded.set(name, { model, bytes });
    this.evict(name);
    return model;
  }

  /** Unloads least recently used models (never `keep`) until within the caps; the garbage collector frees them. */
  private evict(keep: string): void {
    const over = (): boolean => this.loaded.size > this.o.maxModels || (this.o.maxBytes !== null && this.state().bytes > this.o.maxBytes);
    for (const name of [...this.loaded.keys()]) {
      if (!over()) return;
      if (name !== keep) this.loaded.delete(name);
    }
  }
}
