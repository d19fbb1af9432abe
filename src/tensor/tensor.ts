// Tensors and the Graph that owns them: f32 storage (from a buffer pool inside scopes), views, the autograd
// tape, backward, noGrad and scopes. Not here: the ops and their gradient rules (ops are free functions in
// the files next to this one, each forward beside its backward), optimizers (nn/optim).
//
// Memory model. Outside any scope, tensors own ordinary Float32Arrays that the GC manages. Inside
// graph.scope(fn), op outputs and saved-for-backward buffers come from the graph's BufferPool and go back to
// it when the scope ends (except tensors fn returns), so a training step written as one scope reuses the
// previous step's buffers. Gradients of non-leaf tensors always come from the pool and are returned as soon
// as backward has pushed them to their inputs. Leaf tensors (parameters, inputs) keep a persistent .grad,
// which backward accumulates into until zeroGrad.
//
// Views (reshape, leading-axis slices) share their base's data and route their gradient into the base's
// gradient buffer, so they cost nothing and need no tape entry.

import type { Backend, F32, HalfKind, Shape } from "../engine/ops.js";
import { KotodamaError, ShapeError } from "../util/errors.js";
import type { Rng } from "../util/rng.js";
import { BufferPool } from "./pool.js";
import { checkShape, numel, shapeStr } from "./shape.js";

/** Gradient buffer state of a tensor that owns its storage. */
const GradState = {
  None: 0, // no buffer
  Fresh: 1, // buffer allocated, contents undefined (the first writer may overwrite instead of add)
  Live: 2, // buffer holds a gradient; later writers accumulate
} as const;

interface TapeNode {
  readonly out: Tensor;
  readonly backward: (gOut: F32) => void;
  readonly seq: number;
}

interface Scope {
  readonly tensors: Tensor[];
  readonly buffers: F32[];
  readonly seq: number; // tape entries with seq ≥ this were recorded inside the scope
}

export interface TensorOptions {
  readonly requiresGrad?: boolean;
  readonly name?: string;
}

/** A dense, contiguous, row-major f32 tensor. Create through a Graph; compute with the op functions. */
export class Tensor {
  /** @internal storage; null once released by its scope */
  _data: F32 | null;
  /** @internal gradient buffer (owners only; views route to base) */
  _grad: F32 | null = null;
  /** @internal */
  _gradState: number = GradState.None;
  /** @internal set when backward has run this tensor's tape node (its graph is spent) */
  _consumed = false;
  /** @internal storage came from the pool */
  _pooled: boolean;
  /** Whether gradients flow to (and through) this tensor. */
  requiresGrad: boolean;
  readonly size: number;
  name: string | undefined;

  /** @internal use Graph methods or ops to create tensors */
  constructor(
    readonly graph: Graph,
    readonly shape: Shape,
    data: F32,
    requiresGrad: boolean,
    /** Created by the user (parameter, input), not by an op: keeps its .grad after backward. */
    readonly isLeaf: boolean,
    /** The tensor whose storage this view shares (never itself a view), or null. */
    readonly base: Tensor | null,
    /** Element offset of this view inside base. */
    readonly offset: number,
    pooled: boolean,
  ) {
    this._data = data;
    this.requiresGrad = requiresGrad;
    this.size = data.length;
    this._pooled = pooled;
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** The f32 storage (zero-copy; a view over an ArrayBuffer that kernels read and write directly). */
  get data(): F32 {
    const d = this._data;
    if (d === null || (this.base !== null && this.base._data === null)) {
      throw new KotodamaError(`tensor ${shapeStr(this.shape)}${this.name ? ` "${this.name}"` : ""} was released when its scope ended`);
    }
    return d;
  }

  /** Accumulated gradient of a leaf tensor (or a view of one), null before the first backward reaches it. */
  get grad(): F32 | null {
    const owner = this.base ?? this;
    if (owner._grad === null || owner._gradState !== GradState.Live) return null;
    return this.base === null ? owner._grad : owner._grad.subarray(this.offset, this.offset + this.size);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ShapeError(`item: tensor ${shapeStr(this.shape)} has ${this.size} elements, expected 1`);
    return this.data[0];
  }

  toArray(): number[] {
    return Array.from(this.data);
  }

  /** Fills this leaf's gradient with zeros in place (the buffer is kept for the next step). */
  zeroGrad(): void {
    const g = this.grad;
    if (g !== null) g.fill(0);
  }
}

export class Graph {
  readonly pool: BufferPool;
  private gradEnabled = true;
  private readonly tape: TapeNode[] = [];
  private readonly scopes: Scope[] = [];
  private seq = 0;

  constructor(
    readonly backend: Backend,
    options: { readonly pool?: BufferPool } = {},
  ) {
    this.pool = options.pool ?? new BufferPool();
  }

  // ---- creation --------------------------------------------------------------------------------------------

  /** A leaf tensor over `data`. A Float32Array is used without copying (zero-copy); other arrays are copied. */
  tensor(data: F32 | ArrayLike<number>, shape: Shape, options: TensorOptions = {}): Tensor {
    checkShape("tensor", shape);
    const n = numel(shape);
    if (data.length !== n) throw new ShapeError(`tensor: ${data.length} values do not fill shape ${shapeStr(shape)} (${n} elements)`);
    const arr = data instanceof Float32Array ? data : Float32Array.from(data);
    return this.leaf(shape, arr, false, options);
  }

  zeros(shape: Shape, options: TensorOptions = {}): Tensor {
    return this.full(shape, 0, options);
  }

  ones(shape: Shape, options: TensorOptions = {}): Tensor {
    return this.full(shape, 1, options);
  }

  full(shape: Shape, value: number, options: TensorOptions = {}): Tensor {
    checkShape("full", shape);
    const { data, pooled } = this.storage(numel(shape));
    data.fill(value);
    return this.leaf(shape, data, pooled, options);
  }

  /** Normal(mean, std²) samples drawn from the explicit rng (deterministic for a given seed). */
  randn(shape: Shape, rng: Rng, options: TensorOptions & { readonly std?: number; readonly mean?: number } = {}): Tensor {
    checkShape("randn", shape);
    const { data, pooled } = this.storage(numel(shape));
    rng.fillNormal(data, options.mean ?? 0, options.std ?? 1);
    return this.leaf(shape, data, pooled, options);
  }

  /** Uniform [lo, hi) samples from the explicit rng. */
  uniform(shape: Shape, rng: Rng, lo: number, hi: number, options: TensorOptions = {}): Tensor {
    checkShape("uniform", shape);
    const { data, pooled } = this.storage(numel(shape));
    rng.fillUniform(data, lo, hi);
    return this.leaf(shape, data, pooled, options);
  }

  /** A trainable leaf (requiresGrad) over `data` (no copy, unless data is pooled scope storage, which is
   *  copied): it outlives every scope. */
  parameter(data: F32, shape: Shape, name?: string): Tensor {
    checkShape("parameter", shape);
    if (data.length !== numel(shape)) throw new ShapeError(`parameter ${name ?? ""}: ${data.length} values do not fill shape ${shapeStr(shape)}`);
    const own = this.pool.owns(data) ? Float32Array.from(data) : data;
    const t = new Tensor(this, shape.slice(), own, true, true, null, 0, false);
    t.name = name;
    return t;
  }

  /** Converts half-precision storage (f16 or bf16 bits) to an f32 leaf tensor with the backend kernel. */
  fromHalf(kind: HalfKind, src: Uint16Array, shape: Shape, options: TensorOptions = {}): Tensor {
    checkShape("fromHalf", shape);
    const n = numel(shape);
    if (src.length !== n) throw new ShapeError(`fromHalf: ${src.length} ${kind} values do not fill shape ${shapeStr(shape)} (${n} elements)`);
    const { data, pooled } = this.storage(n);
    this.backend.halfToF32({ kind, src, out: data });
    return this.leaf(shape, data, pooled, options);
  }

  /** The tensor's values rounded to half-precision storage bits. */
  toHalf(t: Tensor, kind: HalfKind): Uint16Array {
    const out = new Uint16Array(t.size);
    this.backend.f32ToHalf({ kind, src: t.data, out });
    return out;
  }

  // ---- modes and scopes ------------------------------------------------------------------------------------

  isGradEnabled(): boolean {
    return this.gradEnabled;
  }

  /** Runs fn without recording ops on the tape (inference, evaluation, weight updates). */
  noGrad<T>(fn: () => T): T {
    const prev = this.gradEnabled;
    this.gradEnabled = false;
    try {
      return fn();
    } finally {
      this.gradEnabled = prev;
    }
  }

  /** Runs fn with pooled storage: every tensor fn creates is released to the pool when fn returns, except the
   *  tensors it returns (a Tensor, or an array or plain object of them), which move to the enclosing scope.
   *  The autograd graph does not outlive the scope: ops recorded inside it must be back-propagated inside it
   *  (or computed under noGrad), else the scope throws rather than silently losing those gradients. Returned
   *  tensors carry no gradient history. */
  scope<T>(fn: () => T): T {
    const s: Scope = { tensors: [], buffers: [], seq: this.seq };
    this.scopes.push(s);
    let result: T | undefined;
    let ok = false;
    try {
      result = fn();
      ok = true;
      return result;
    } finally {
      this.scopes.pop();
      const pending = this.closeScope(s, ok ? result : undefined);
      if (ok && pending > 0) {
        throw new KotodamaError(`Graph.scope: ${pending} recorded op(s) were not back-propagated inside the scope; call backward before it ends, or compute them under noGrad`);
      }
    }
  }

  // ---- autograd ----------------------------------------------------------------------------------------------

  /** Back-propagates from `out`: a one-element loss (seed 1) or any tensor with an explicit seed gradient of
   *  its shape. Leaf gradients accumulate across calls (gradient accumulation) until zeroGrad. The recorded ops
   *  that fed `out` are consumed; ops not reachable from it stay on the tape for a later backward. */
  backward(out: Tensor, seed?: F32): void {
    if (out.graph !== this) throw new KotodamaError("backward: tensor belongs to another graph");
    if (!out.requiresGrad) {
      throw new KotodamaError(`backward: tensor ${shapeStr(out.shape)} does not require grad (no input requires grad, it was computed under noGrad, or it left the scope that recorded it)`);
    }
    if (seed === undefined && out.size !== 1) throw new ShapeError(`backward: tensor ${shapeStr(out.shape)} is not a scalar; pass a seed gradient`);
    if (seed !== undefined && seed.length !== out.size) throw new ShapeError(`backward: seed has ${seed.length} values, tensor ${shapeStr(out.shape)} has ${out.size}`);
    const { buf, fresh } = this.claimGrad(out);
    if (seed === undefined) buf[0] = fresh ? 1 : buf[0] + 1;
    else if (fresh) buf.set(seed);
    else for (let i = 0; i < buf.length; i++) buf[i] += seed[i];
    const tape = this.tape;
    let failed = true;
    try {
      for (let i = tape.length - 1; i >= 0; i--) {
        const node = tape[i];
        const o = node.out;
        if (o._gradState === GradState.None) continue; // not reachable from `out`
        node.backward(o._grad as F32);
        o._consumed = true;
        this.dropGrad(o);
      }
      failed = false;
    } finally {
      // Keep the nodes that did not run (another loss may still need them); on failure drop everything.
      let w = 0;
      for (let i = 0; i < tape.length; i++) {
        const o = tape[i].out;
        if (!failed && !o._consumed) tape[w++] = tape[i];
        else if (o._gradState !== GradState.None) this.dropGrad(o);
      }
      tape.length = w;
    }
  }

  /** Zeroes the gradients of the given leaves in place. */
  zeroGrad(params: readonly Tensor[]): void {
    for (const p of params) p.zeroGrad();
  }

  /** Number of ops on the tape waiting for backward. */
  tapeLength(): number {
    return this.tape.length;
  }

  // ---- for op implementations --------------------------------------------------------------------------------

  /** @internal A new op output of the given shape (pooled inside a scope); contents undefined. */
  empty(shape: Shape): Tensor {
    const { data, pooled } = this.storage(numel(shape));
    const t = new Tensor(this, shape, data, false, false, null, 0, pooled);
    if (pooled) this.scopes[this.scopes.length - 1].tensors.push(t);
    return t;
  }

  /** @internal A view of t's storage with another shape (same data, gradient routed to the base). */
  view(t: Tensor, shape: Shape, offset = 0): Tensor {
    const owner = t.base ?? t;
    const off = t.offset + offset;
    const n = numel(shape);
    const d = t.data;
    const data = offset === 0 && n === d.length ? d : d.subarray(offset, offset + n);
    return new Tensor(this, shape, data, t.requiresGrad && this.gradEnabled, false, owner, off, false);
  }

  /** @internal A tensor sharing t's data with no gradient history. */
  detach(t: Tensor): Tensor {
    const owner = t.base ?? t;
    return new Tensor(this, t.shape, t.data, false, false, owner, t.offset, false);
  }

  /** @internal True when an op on these inputs must be recorded for backward. */
  needsGrad(a: Tensor, b?: Tensor | null, c?: Tensor | null): boolean {
    if (!this.gradEnabled) return false;
    return a.requiresGrad || (b != null && b.requiresGrad) || (c != null && c.requiresGrad);
  }

  /** @internal Records out's backward closure on the tape (call only when needsGrad said so). */
  record(out: Tensor, backward: (gOut: F32) => void): void {
    out.requiresGrad = true;
    this.tape.push({ out, backward, seq: this.seq++ });
  }

  /** @internal A buffer kept for backward (pooled inside a scope, released with it). */
  saved(n: number): F32 {
    const { data, pooled } = this.storage(n);
    if (pooled) this.scopes[this.scopes.length - 1].buffers.push(data);
    return data;
  }

  /** @internal A temporary buffer for the duration of one op; return it with free(). */
  tmp(n: number): F32 {
    return this.pool.alloc(n);
  }

  /** @internal Returns a tmp() buffer. */
  free(buf: F32): void {
    this.pool.release(buf);
  }

  /** @internal The gradient buffer of t for writing. fresh: its contents are undefined and the caller must
   *  overwrite all of it (then it is live); otherwise the caller must add into it. */
  claimGrad(t: Tensor): { buf: F32; fresh: boolean } {
    const owner = t.base ?? t;
    if (owner._consumed && !owner.isLeaf) {
      throw new KotodamaError(`backward: tensor ${shapeStr(owner.shape)} was already back-propagated (its graph is spent; run the forward again)`);
    }
    let fresh = false;
    if (owner._gradState === GradState.None) {
      owner._grad = owner.isLeaf ? new Float32Array(owner.size) : this.pool.alloc(owner.size);
      owner._gradState = owner.isLeaf ? GradState.Live : GradState.Fresh;
    }
    const g = owner._grad as F32;
    if (owner._gradState === GradState.Fresh) {
      if (t.size === owner.size) fresh = true;
      else g.fill(0); // a partial view writes only its part: the rest must be zero
      owner._gradState = GradState.Live;
    }
    const buf = t.base === null || t.size === owner.size ? g : g.subarray(t.offset, t.offset + t.size);
    return { buf, fresh };
  }

  /** @internal For gradient kernels that accumulate (+=): t's gradient buffer, zeroed on first use. */
  accGrad(t: Tensor): F32 {
    const { buf, fresh } = this.claimGrad(t);
    if (fresh) buf.fill(0);
    return buf;
  }

  /** @internal For gradients computed by overwriting kernels: write(dst) fills dst with t's gradient
   *  contribution; it lands directly in t's gradient when that is fresh, else via a temporary that is added. */
  writeGrad(t: Tensor, write: (dst: F32) => void): void {
    const { buf, fresh } = this.claimGrad(t);
    if (fresh) {
      write(buf);
      return;
    }
    const tmp = this.pool.alloc(t.size);
    write(tmp);
    addInto(this.backend, buf, tmp);
    this.pool.release(tmp);
  }

  // ---- private -------------------------------------------------------------------------------------------------

  private storage(n: number): { data: F32; pooled: boolean } {
    if (this.scopes.length === 0) return { data: new Float32Array(n), pooled: false };
    return { data: this.pool.alloc(n), pooled: true };
  }

  private leaf(shape: Shape, data: F32, pooled: boolean, options: TensorOptions): Tensor {
    const t = new Tensor(this, shape.slice(), data, options.requiresGrad ?? false, true, null, 0, pooled);
    t.name = options.name;
    if (pooled) this.scopes[this.scopes.length - 1].tensors.push(t);
    return t;
  }

  private dropGrad(t: Tensor): void {
    if (!t.isLeaf && t._grad !== null) this.pool.release(t._grad);
    if (!t.isLeaf) {
      t._grad = null;
      t._gradState = GradState.None;
    }
  }

  /** Releases the scope's storage; returns how many recorded ops it had to drop un-back-propagated. */
  private closeScope(s: Scope, result: unknown): number {
    // Drop the tape entries recorded inside the scope: their saved buffers are about to be released.
    const tape = this.tape;
    let w = 0;
    let dropped = 0;
    for (let i = 0; i < tape.length; i++) {
      if (tape[i].seq < s.seq) tape[w++] = tape[i];
      else {
        dropped++;
        tape[i].out.requiresGrad = false;
        if (tape[i].out._gradState !== GradState.None) this.dropGrad(tape[i].out);
      }
    }
    tape.length = w;
    const kept = new Set<Tensor>();
    const keep = (v: unknown): void => {
      if (v instanceof Tensor) {
        kept.add(v);
        if (v.base !== null) kept.add(v.base);
      }
    };
    if (Array.isArray(result)) result.forEach(keep);
    else if (result instanceof Tensor) keep(result);
    else if (result !== null && typeof result === "object" && Object.getPrototypeOf(result) === Object.prototype) Object.values(result).forEach(keep);
    for (const t of kept) if (t.base !== null && !t.base.isLeaf && !t.base.requiresGrad) t.requiresGrad = false;
    const parent = this.scopes.length > 0 ? this.scopes[this.scopes.length - 1] : null;
    for (const t of s.tensors) {
      if (kept.has(t)) {
        if (parent !== null) parent.tensors.push(t);
        else {
          this.pool.disown(t._data as F32);
          t._pooled = false;
        }
      } else {
        this.pool.release(t._data as F32);
        t._data = null;
      }
    }
    for (const b of s.buffers) this.pool.release(b);
    return dropped;
  }
}

/** dst += src (same length), with the backend's in-place binary add. */
export function addInto(backend: Backend, dst: F32, src: F32): void {
  const shape = [dst.length];
  backend.binary({ op: "add", a: dst, aShape: shape, b: src, bShape: shape, out: dst, outShape: shape });
}
