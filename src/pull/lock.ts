// One `kotodama pull` at a time per name and cache: a lock file KOTODAMA_HOME/locks/<sha256 of the name>.lock,
// created exclusively (O_EXCL) with the holder's pid, host and start time. A second pull of the same name waits
// for it (saying so once), then finds the files already verified in the cache and downloads nothing. A lock left
// by a process that no longer runs on this host (kill -9, power loss) is stale and taken over.
// Not here: the downloads (pull.ts); concurrent pulls of different names do not wait for each other.
import { createHash } from "node:crypto";
import { mkdirSync, openSync, closeSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { KotodamaError } from "../util/errors.js";

export interface LockOptions {
  /** Give up after this long (default 30 minutes: a large model download holds the lock that long). */
  readonly timeoutMs?: number;
  readonly pollMs?: number;
  /** Called once when the lock is held by another live process. */
  readonly onWait?: (holder: { pid: number; host: string; since: string }) => void;
}

interface Holder {
  pid: number;
  host: string;
  since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export const lockPath = (home: string, name: string): string => join(home, "locks", `${createHash("sha256").update(name).digest("hex").slice(0, 24)}.lock`);

/** Runs fn holding the lock for NAME in HOME. */
export async function withPullLock<T>(home: string, name: string, fn: () => Promise<T>, o: LockOptions = {}): Promise<T> {
  const file = lockPath(home, name);
  mkdirSync(join(home, "locks"), { recursive: true });
  const deadline = Date.now() + (o.timeoutMs ?? 30 * 60_000);
  let told = false;
  for (;;) {
    let fd: number | null = null;
    try {
      fd = openSync(file, "wx");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new KotodamaError(`kotodama pull ${name}: cannot create the lock ${file}: ${(e as Error).message}`);
    }
    if (fd !== null) {
      const me: Holder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
      writeSync(fd, JSON.stringify({ ...me, name }));
      closeSync(fd);
      break;
    }
    let holder: Holder | null = null;
    try {
      holder = JSON.parse(readFileSync(file, "utf8")) as Holder;
    } catch {
      holder = null; // being written right now, or removed: try again
    }
    if (holder !== null && holder.host === hostname() && !alive(holder.pid)) {
      try {
        unlinkSync(file); // stale: its process is gone
      } catch {
        /* another waiter removed it first */
      }
      continue;
    }
    if (holder !== null && !told) {
      told = true;
      o.onWait?.(holder);
    }
    if (Date.now() > deadline) throw new KotodamaError(`kotodama pull ${name}: another pull (pid ${holder?.pid ?? "?"} on ${holder?.host ?? "?"}, since ${holder?.since ?? "?"}) still holds ${file}; if it is not running, remove that file`);
    await new Promise((r) => setTimeout(r, o.pollMs ?? 250));
  }
  try {
    return await fn();
  } finally {
    try {
      unlinkSync(file);
    } catch {
      /* already gone */
    }
  }
}
