// ByteSource: bounded, random-access reads of a file or an in-memory buffer, so large model files are read by
// range (header first, tensors on demand) instead of loaded whole. Not here: any format parsing.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { FormatError } from "../util/errors.js";

/** Random-access bytes. `read` returns exactly `length` bytes or throws a FormatError naming the file. */
export interface ByteSource {
  /** The file path, or a label such as "<bytes>" for in-memory data; used in error messages. */
  readonly name: string;
  /** Total size in bytes. */
  readonly size: number;
  /** Bytes [offset, offset + length). May be a view of shared memory for in-memory sources: do not mutate. */
  read(offset: number, length: number): Uint8Array;
}

function checkRange(name: string, size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new FormatError(name, `read of ${length} bytes at offset ${offset} is outside the ${size}-byte file`);
  }
}

/** A source over bytes already in memory (zero-copy views). */
export function bytesSource(bytes: Uint8Array, name = "<bytes>"): ByteSource {
  return {
    name,
    size: bytes.byteLength,
    read(offset, length) {
      checkRange(name, bytes.byteLength, offset, length);
      return bytes.subarray(offset, offset + length);
    },
  };
}

/** A source over a file on disk. Each read opens, reads and closes the file (no descriptor to leak); the
 *  size is taken once, at creation. */
export function fileSource(path: string): ByteSource {
  let size: number;
  try {
    const fd = openSync(path, "r");
    try {
      size = fstatSync(fd).size;
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw new FormatError(path, `cannot open: ${(e as Error).message}`);
  }
  return {
    name: path,
    size,
    read(offset, length) {
      checkRange(path, size, offset, length);
      const out = new Uint8Array(length);
      const fd = openSync(path, "r");
      try {
        let done = 0;
        while (done < length) {
          const n = readSync(fd, out, done, length - done, offset + done);
          if (n === 0) throw new FormatError(path, `file shrank while reading (wanted ${length} bytes at ${offset})`);
          done += n;
        }
      } finally {
        closeSync(fd);
      }
      return out;
    },
  };
}

/** A path → fileSource, bytes → bytesSource, a source → itself. */
export function toSource(input: string | Uint8Array | ByteSource, name?: string): ByteSource {
  if (typeof input === "string") return fileSource(input);
  if (input instanceof Uint8Array) return bytesSource(input, name);
  return input;
}
