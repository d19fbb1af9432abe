// The text side of generation for one sequence: generated ids in, printable pieces out (UTF-8 never split:
// tokenizer StreamDecoder), holding back text that may be the start of a stop string and ending before the first
// stop string. Shared by generate (one sequence) and generateBatch (many).
// Not here: sampling, EOS or max tokens (generate.ts, generate-batch.ts).
import { StreamDecoder } from "../tokenizer/stream.js";
import type { Tokenizer } from "../tokenizer/tokenizer.js";

/** Length of the longest suffix of `s` that is a proper prefix of some stop string. */
function heldStopPrefix(s: string, stops: readonly string[]): number {
  let best = 0;
  for (const stop of stops) {
    for (let k = Math.min(stop.length - 1, s.length); k > best; k--) {
      if (s.endsWith(stop.slice(0, k))) {
        best = k;
        break;
      }
    }
  }
  return best;
}

export class StopText {
  private readonly decoder: StreamDecoder;
  private held = "";
  /** The text emitted so far (stop string excluded). */
  text = "";
  /** Whether a stop string has been seen (nothing more is emitted). */
  stopped = false;

  /** `promptIds` go through the decoder first: the continuation follows the prompt (no fresh-text space stripping). */
  constructor(tokenizer: Tokenizer, promptIds: readonly number[], private readonly stops: readonly string[]) {
    this.decoder = new StreamDecoder(tokenizer);
    for (const id of promptIds) this.decoder.push(id);
  }

  /** Adds a generated token; returns the text that became printable ("" while held back). After a stop string,
   *  `stopped` is true and the text before it is the last piece. */
  push(id: number): string {
    this.held += this.decoder.push(id);
    let emit: string;
    const hit = this.stops.length === 0 ? -1 : Math.min(...this.stops.map((s) => this.held.indexOf(s)).filter((i) => i >= 0), Infinity);
    if (hit >= 0 && hit !== Infinity) {
      emit = this.held.slice(0, hit);
      this.held = "";
      this.stopped = true;
    } else {
      const keep = heldStopPrefix(this.held, this.stops);
      emit = this.held.slice(0, this.held.length - keep);
      this.held = this.held.slice(this.held.length - keep);
    }
    this.text += emit;
    return emit;
  }

  /** Ends the sequence without a stop string: the held-back text and any unfinished character ("" if none). */
  flush(): string {
    if (this.stopped) return "";
    const rest = this.held + this.decoder.flush();
    this.held = "";
    this.text += rest;
    return rest;
  }
}
