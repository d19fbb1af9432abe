// What `kotodama inspect` reports about a model file: format facts, metadata with long arrays summarized,
// tensors with shape/dtype/bytes, parameter count and size, as a JSON-ready object and as text.
// Not here: opening files (tensor-file.ts) or argument parsing (cli/commands/inspect.ts).
import { formatValue, type GgufValue } from "./gguf/value.js";
import { parameterCount, type TensorFile } from "./tensor-file.js";

export interface InspectReport {
  readonly file: string;
  readonly format: string;
  readonly details: Readonly<Record<string, string | number>>;
  readonly fileSize: number;
  readonly parameterCount: number;
  readonly tensorBytes: number;
  readonly dtypeCounts: Readonly<Record<string, number>>;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly config?: Readonly<Record<string, unknown>>;
  readonly tensors: readonly { name: string; shape: readonly number[]; dtype: string; nBytes: number }[];
}

/** A metadata value as JSON: scalars as is (64-bit integers as strings), arrays longer than `maxItems` as
 *  {type, length, head}. */
function jsonValue(v: GgufValue, maxItems: number): unknown {
  if (v.type === "uint64" || v.type === "int64") return v.value.toString();
  if (v.type !== "array") return v.value;
  const items = Array.from(v.value as ArrayLike<unknown>).slice(0, maxItems).map((x) =>
    typeof x === "bigint" ? x.toString() : typeof x === "object" && x !== null ? jsonValue(x as GgufValue, 3) : x,
  );
  if (v.value.length <= maxItems) return items;
  return { type: `${v.itemType}[]`, length: v.value.length, head: items };
}

export function inspectReport(f: TensorFile, maxItems = 8): InspectReport {
  const dtypeCounts: Record<string, number> = {};
  for (const t of f.tensors) dtypeCounts[t.dtype] = (dtypeCounts[t.dtype] ?? 0) + 1;
  return {
    file: f.path,
    format: f.format,
    details: f.details,
    fileSize: f.fileSize,
    parameterCount: parameterCount(f),
    tensorBytes: f.tensors.reduce((a, t) => a + t.nBytes, 0),
    dtypeCounts,
    metadata: Object.fromEntries([...f.metadata].map(([k, v]) => [k, jsonValue(v, maxItems)])),
    ...(f.config !== undefined ? { config: f.config } : {}),
    tensors: f.tensors.map((t) => ({ name: t.name, shape: t.shape, dtype: t.dtype, nBytes: t.nBytes })),
  };
}

const group = (n: number): string => n.toLocaleString("en-US");
const human = (n: number): string =>
  n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(2)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;

/** Plain-text rendering for terminals. */
export function formatInspect(f: TensorFile, maxItems = 8): string {
  const r = inspectReport(f, maxItems);
  const lines: string[] = [];
  lines.push(`file:       ${r.file}`);
  lines.push(`format:     ${r.format}${Object.keys(r.details).length ? ` (${Object.entries(r.details).map(([k, v]) => `${k} ${v}`).join(", ")})` : ""}`);
  lines.push(`size:       ${group(r.fileSize)} bytes (${human(r.fileSize)})`);
  lines.push(`parameters: ${group(r.parameterCount)} in ${r.tensors.length} tensors, ${group(r.tensorBytes)} bytes of tensor data`);
  lines.push(`dtypes:     ${Object.entries(r.dtypeCounts).map(([k, v]) => `${k} ×${v}`).join(", ") || "none"}`);
  lines.push("");
  lines.push(`metadata (${f.metadata.size}):`);
  for (const [k, v] of f.metadata) lines.push(`  ${k} = ${formatValue(v, maxItems)}`);
  if (r.config !== undefined) {
    lines.push("");
    lines.push("config.json:");
    for (const [k, v] of Object.entries(r.config)) lines.push(`  ${k} = ${JSON.stringify(v)}`);
  }
  lines.push("");
  lines.push(`tensors (${r.tensors.length}):`);
  const w = Math.max(4, ...r.tensors.map((t) => t.name.length));
  const shapes = r.tensors.map((t) => `[${t.shape.join(", ")}]`);
  const sw = Math.max(5, ...shapes.map((s) => s.length));
  lines.push(`  ${"name".padEnd(w)}  ${"shape".padEnd(sw)}  dtype   bytes`);
  r.tensors.forEach((t, i) => lines.push(`  ${t.name.padEnd(w)}  ${shapes[i]!.padEnd(sw)}  ${t.dtype.padEnd(6)}  ${group(t.nBytes)}`));
  return lines.join("\n") + "\n";
}
