// Reference data movement: NumPy broadcast and axis permutation (exact copies, no arithmetic).
// Not here: their gradients (broadcast's is `reduce` sum, permute's is the inverse permutation).

import type { BroadcastArgs, PermuteArgs } from "../../ops.js";
import { broadcastStrides, forEachIndex, stridesOf } from "./shape.js";

/** out (outShape) = x (xShape) repeated along broadcast dims. */
export function broadcast(args: BroadcastArgs): void {
  const { x, out } = args;
  forEachIndex(args.outShape, broadcastStrides(args.xShape, args.outShape), (i, s) => (out[i] = x[s]));
}

/** out.shape[i] = shape[perm[i]]; out[..., j_i, ...] = x[..., j at axis perm[i], ...]. */
export function permute(args: PermuteArgs): void {
  const { x, shape, perm, out } = args;
  const xStrides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]);
  forEachIndex(outShape, perm.map((p) => xStrides[p]), (i, s) => (out[i] = x[s]));
}
