// The batch slots' semaphore: FIFO admission, and a request for several places (a beam job) taking them all at
// once, so that two such requests cannot each hold part and wait forever. Not here: the batch (batching.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Slots } from "./slots.js";

test("slots: k places at once, first come first served, no partial holds", async () => {
  const s = new Slots(4);
  const order: string[] = [];
  await s.acquire(3); // A holds 3 of 4
  const b = s.acquire(4).then(() => order.push("B4"));
  const c = s.acquire(1).then(() => order.push("C1")); // behind B although one place is free: FIFO
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, []);
  s.release(3); // 4 free: B takes all of them, C still waits
  await b;
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, ["B4"]);
  s.release(4);
  await c;
  assert.deepEqual(order, ["B4", "C1"]);
  s.release(1);
  assert.throws(() => s.acquire(5), /asked for 5 places of 4/);
  await s.acquire(4); // all 4 free again
});
