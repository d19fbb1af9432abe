// The shape of a CLI command and the shared flag parser (node:util parseArgs, strict: unknown flags are errors).
// Not here: any command's work; commands parse, build and run library code (STYLE.md principle 13).
import { parseArgs, type ParseArgsConfig } from "node:util";
import { KotodamaError } from "../util/errors.js";

export interface Command {
  readonly name: string;
  /** One line for `kotodama --help`. */
  readonly summary: string;
  /** Full help text printed by `kotodama NAME --help`. */
  readonly help: string;
  /** True when the command dispatches to subcommands that print their own --help. */
  readonly ownHelp?: boolean;
  /** Runs the command with the arguments after its name; resolves to the process exit code. */
  run(argv: readonly string[]): Promise<number>;
}

export type FlagSpec = NonNullable<ParseArgsConfig["options"]>;

export interface Parsed {
  readonly values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  readonly positionals: string[];
}

/** Parses long flags strictly. Throws a KotodamaError naming the command and the bad flag. */
export function parseFlags(command: string, argv: readonly string[], options: FlagSpec, allowPositionals = true): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, allowPositionals, strict: true });
    return { values: values as Parsed["values"], positionals };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new KotodamaError(`kotodama ${command}: ${msg} (see 'kotodama ${command} --help')`);
  }
}

/** Reads an integer flag; throws naming the flag when it is not an integer in [min, max]. */
export function intFlag(command: string, flag: string, value: unknown, fallback: number, min = -Infinity, max = Infinity): number {
  if (value === undefined) return fallback;
  const n = typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new KotodamaError(`kotodama ${command}: --${flag} expects an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
  return n;
}

/** Reads a number flag; throws naming the flag when it is not a finite number in [min, max]. */
export function numberFlag(command: string, flag: string, value: unknown, fallback: number, min = -Infinity, max = Infinity): number {
  if (value === undefined) return fallback;
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new KotodamaError(`kotodama ${command}: --${flag} expects a number in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
  return n;
}

export const wantsHelp = (argv: readonly string[]): boolean => argv.includes("--help");
