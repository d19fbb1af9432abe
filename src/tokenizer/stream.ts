// Streaming decode for generation: token ids in, printable text out, holding back the bytes of a UTF-8
// character split across tokens (byte-level BPE and byte fallback split them) so nothing prints as mojibake.
// Not here: sampling or stop sequences (infer/).

import type { Tokenizer } from "./tokenizer.js";

export class StreamDecoder {
  private pending = new Uint8Array(0);
  /** At the start of a text fragment (stream start, or after an added token): its prefixed space is dropped. */
  private fragmentStart: boolean;
  private readonly decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

  /** `stripSpacePrefix`: drop the space SentencePiece tokenizers prefix to each text fragment (default: the
   *  tokenizer's addsSpacePrefix), so that the concatenated output equals tokenizer.decode(all ids). */
  constructor(
    private readonly tokenizer: Tokenizer,
    private readonly stripSpacePrefix: boolean = tokenizer.addsSpacePrefix ?? false,
  ) {
    this.fragmentStart = stripSpacePrefix;
  }

  /** Adds one token; returns the text that is now complete (possibly ""). */
  push(id: number): string {
    let b = this.tokenizer.tokenBytes(id);
    if (this.tokenizer.isAdded?.(id) === true) this.fragmentStart = this.stripSpacePrefix;
    else if (b.length > 0) {
      if (this.fragmentStart && b[0] === 0x20) b = b.subarray(1);
      this.fragmentStart = false;
    }
    if (b.length === 0) return "";
    const joined = new Uint8Array(this.pending.length + b.length);
    joined.set(this.pending);
    joined.set(b, this.pending.length);
    const keep = incompleteTail(joined);
    this.pending = joined.slice(joined.length - keep);
    return this.decoder.decode(joined.subarray(0, joined.length - keep));
  }

  /** Ends the stream: bytes still held (an unfinished character) come out as U+FFFD, as decode() would. */
  flush(): string {
    const s = this.decoder.decode(this.pending);
    this.pending = new Uint8Array(0);
    return s;
  }
}

/** Number of trailing bytes that start a UTF-8 sequence not yet complete (0 when the tail is complete or
 *  cannot become valid). */
function incompleteTail(b: Uint8Array): number {
  for (let k = 1; k <= 3 && k <= b.length; k++) {
    const c = b[b.length - k]!;
    if ((c & 0xc0) === 0x80) continue; // continuation byte: look further back
    const need = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 1;
    return need > k ? k : 0;
  }
  return 0;
}
