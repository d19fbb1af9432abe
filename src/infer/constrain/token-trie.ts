// A byte trie over a vocabulary: every token that stands for bytes (tokenizer.tokenBytes; control tokens stand for
// none and are left out), with tokens sharing a prefix sharing a path, so a grammar walk prunes whole subtrees at
// once. Built from the tokens sorted by bytes, so nodes are numbered in preorder and a node's subtree is the
// contiguous range [n, end[n]) — its tokens a contiguous range of `ids`.
// Not here: the grammar (recognizer.ts) or the walk (mask.ts).
import type { Tokenizer } from "../../tokenizer/index.js";

export interface TokenTrie {
  readonly vocabSize: number;
  /** Node count; node 0 is the root (the empty prefix). */
  readonly nodes: number;
  /** The byte on the edge into node n. */
  readonly byte: Uint8Array;
  /** The parent of node n (−1 for the root): with preorder numbering a walk can go node by node in one loop. */
  readonly parent: Int32Array;
  /** Node n's depth (bytes from the root): in preorder, n's parent is the last node seen at depth[n] − 1, so a
   *  walk keeps its per-node state in arrays of maxDepth + 1 entries that stay in cache. */
  readonly depth: Uint16Array;
  readonly maxDepth: number;
  readonly firstChild: Int32Array;
  readonly nextSibling: Int32Array;
  /** One past the last node of n's subtree (preorder). */
  readonly end: Int32Array;
  /** Tokens by node in preorder: node n's own tokens are ids[tokOff[n] .. tokOff[n + 1]); its subtree's are
   *  ids[tokOff[n] .. tokOff[end[n]]). tokOff has nodes + 1 entries. */
  readonly tokOff: Int32Array;
  readonly ids: Int32Array;
  /** Each token's bytes (empty for tokens left out). */
  readonly bytes: readonly Uint8Array[];
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** The trie of `tok`'s tokens (control tokens and tokens of no bytes left out). */
export function buildTokenTrie(tok: Tokenizer): TokenTrie {
  const V = tok.vocabSize;
  const bytes: Uint8Array[] = [];
  const kept: number[] = [];
  for (let id = 0; id < V; id++) {
    const b = tok.isControl?.(id) === true ? new Uint8Array(0) : tok.tokenBytes(id);
    bytes.push(b);
    if (b.length > 0) kept.push(id);
  }
  kept.sort((x, y) => compareBytes(bytes[x]!, bytes[y]!) || x - y);
  let total = 1;
  for (const id of kept) total += bytes[id]!.length;
  const byte = new Uint8Array(total), parent = new Int32Array(total).fill(-1), depth = new Uint16Array(total);
  let maxDepth = 0;
  const firstChild = new Int32Array(total).fill(-1), nextSibling = new Int32Array(total).fill(-1), lastChild = new Int32Array(total).fill(-1);
  const tokOff = new Int32Array(total + 1);
  const ids = new Int32Array(kept.length);
  let nodes = 1, nIds = 0;
  const path = [0];
  let prev: Uint8Array = new Uint8Array(0);
  for (const id of kept) {
    const b = bytes[id]!;
    let lcp = 0;
    while (lcp < b.length && lcp < prev.length && b[lcp] === prev[lcp]) lcp++;
    path.length = lcp + 1;
    for (let d = lcp; d < b.length; d++) {
      const n = nodes++;
      const p = path[d]!;
      byte[n] = b[d]!;
      parent[n] = p;
      depth[n] = d + 1;
      if (d + 1 > maxDepth) maxDepth = d + 1;
      if (lastChild[p]! < 0) firstChild[p] = n;
      else nextSibling[lastChild[p]!] = n;
      lastChild[p] = n;
      tokOff[n] = nIds;
      path.push(n);
    }
    ids[nIds++] = id;
    prev = b;
  }
  tokOff[nodes] = nIds;
  const end = new Int32Array(nodes);
  for (let n = 0; n < nodes; n++) end[n] = n + 1;
  for (let n = nodes - 1; n > 0; n--) if (end[n]! > end[parent[n]!]!) end[parent[n]!] = end[n]!;
  return {
    vocabSize: V, nodes, byte: byte.slice(0, nodes), parent: parent.slice(0, nodes), depth: depth.slice(0, nodes), maxDepth, firstChild: firstChild.slice(0, nodes), nextSibling: nextSibling.slice(0, nodes), end,
    tokOff: tokOff.slice(0, nodes + 1), ids, bytes,
  };
}
