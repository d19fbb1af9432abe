// Small helpers shared by the op files: graph-membership checks, flat kernel calls, and sending a gradient
// computed at a broadcast shape back to a smaller input (sum over the broadcast axes).
// Not here: any op or gradient rule itself.

import type { F32, Shape, UnaryOpKind, BinaryOpKind } from "../engine/ops.js";
import { KotodamaError } from "../util/errors.js";
import { addInto, type Graph, type Tensor } from "./tensor.js";
import { broadcastAxes, numel } from "./shape.js";

/** The graph of the inputs; throws if they come from different graphs (e.g. two models' tensors mixed). */
export function graphOf(op: string, a: Tensor, b?: Tensor | null, c?: Tensor | null): Graph {
  const g = a.graph;
  if ((b != null && b.graph !== g) || (c != null && c.graph !== g)) throw new KotodamaError(`${op}: inputs belong to different graphs`);
  return g;
}

/** out = f(x) elementwise over a flat buffer. */
export function unaryFlat(g: Graph, op: UnaryOpKind, x: F32, out: F32, scalar = 0): void {
  g.backend.unary({ op, x, out, scalar });
}

/** out = a ⊙ b over flat buffers of the same length. */
export function binaryFlat(g: Graph, op: BinaryOpKind, a: F32, b: F32, out: F32): void {
  const shape = [a.length];
  g.backend.binary({ op, a, aShape: shape, b, bShape: shape, out, outShape: shape });
}

/** Adds `full` (a gradient at fullShape, a broadcast of x's shape) into x's gradient, summing broadcast axes. */
export function gradFromFull(g: Graph, x: Tensor, full: F32, fullShape: Shape): void {
  if (x.size === full.length) {
    const { buf, fresh } = g.claimGrad(x);
    if (fresh) buf.set(full);
    else addInto(g.backend, buf, full);
    return;
  }
  const axes = broadcastAxes(x.shape, fullShape);
  g.writeGrad(x, (dst) => g.backend.reduce({ op: "sum", x: full, shape: fullShape, axes, out: dst }));
}

/** Like gradFromFull, with the full-shape gradient produced by compute(dst) (overwrite semantics). */
export function gradFromCompute(g: Graph, x: Tensor, fullShape: Shape, compute: (dst: F32) => void): void {
  const n = numel(fullShape);
  if (x.size === n) {
    g.writeGrad(x, compute);
    return;
  }
  const tmp = g.tmp(n);
  compute(tmp);
  gradFromFull(g, x, tmp, fullShape);
  g.free(tmp);
}

/** Gradient buffers for a kernel that accumulates into several gradients at once (norms, SwiGLU, attention).
 *  Each input gets its gradient buffer, except that an input needing no gradient, or overlapping the storage of
 *  an earlier input (attention(h, k, h)), gets a zeroed scratch buffer, so that no two outputs of one kernel
 *  alias; finish() adds the shared ones into their gradients and frees the scratch. Disjoint views of one
 *  storage (q, k and v split from a fused QKV projection) write straight into their parts of its gradient: the
 *  kernel adds onto the same zeros the scratch would hold, so the result is the same bits without the scratch
 *  fill and the add. */
export function gradSlots(g: Graph, inputs: readonly Tensor[]): { bufs: F32[]; finish: () => void } {
  const bufs: F32[] = [];
  const scratch: F32[] = [];
  const pending: Tensor[] = [];
  const pendingBufs: F32[] = [];
  const claimed: { owner: Tensor; lo: number; hi: number }[] = []; // element ranges of gradients handed out
  for (const t of inputs) {
    const owner = t.base ?? t;
    const lo = t.base === null ? 0 : t.offset;
    const hi = lo + t.size;
    if (t.requiresGrad && claimed.every((c) => c.owner !== owner || hi <= c.lo || c.hi <= lo)) {
      claimed.push({ owner, lo, hi });
      bufs.push(g.accGrad(t));
      continue;
    }
    const s = g.tmp(t.size);
    s.fill(0);
    scratch.push(s);
    bufs.push(s);
    if (t.requiresGrad) {
      pending.push(t);
      pendingBufs.push(s);
    }
  }
  const finish = (): void => {
    pending.forEach((t, i) => addInto(g.backend, g.accGrad(t), pendingBufs[i]));
    for (const s of scratch) g.free(s);
  };
  return { bufs, finish };
}
