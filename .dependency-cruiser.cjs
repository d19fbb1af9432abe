// Layer direction (../shared/STYLE.md "The tree is the architecture"): a file imports only from its own
// layer or lower ones. Layers, bottom-up:
//   L0 util, engine, pull   L1 tensor, tokenizer, formats   L2 nn   L3 models
//   L4 data, train, infer   L5 rag, safety, eval   L6 server, cli, web
const layers = [
  ["util", "engine", "pull"],
  ["tensor", "tokenizer", "formats"],
  ["nn"],
  ["models"],
  ["data", "train", "infer"],
  ["rag", "safety", "eval"],
  ["server", "cli", "web"],
];
const alt = (names) => `(${names.join("|")})`;
const forbidden = [];
layers.forEach((names, i) => {
  const higher = layers.slice(i + 1).flat();
  if (higher.length === 0) return;
  forbidden.push({
    name: `layer-L${i}-imports-higher`,
    comment: `src/${alt(names)} (L${i}) must not import from higher layers: ${higher.join(", ")}`,
    severity: "error",
    from: { path: `^src/${alt(names)}/` },
    to: { path: `^src/${alt(higher)}/` },
  });
});
forbidden.push({
  name: "library-imports-outside-src",
  comment: "library code (src/, except cli) must not import bench/, tests/ or scripts/",
  severity: "error",
  from: { path: "^src/", pathNot: "^src/cli/" },
  to: { path: "^(bench|tests|scripts)/" },
});
forbidden.push({
  name: "only-engine-opens-a-backend",
  comment: "layers above the engine reach kernels through engine/backend.ts (loadBackend, unvalidated), never engine/backends/** (tests may)",
  severity: "error",
  from: { path: "^src/", pathNot: ["^src/engine/", "\\.test\\.ts$"] },
  to: { path: "^src/engine/backends/" },
});
forbidden.push({ name: "no-circular", severity: "error", from: {}, to: { circular: true } });

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"], extensions: [".ts", ".js"] },
    exclude: { path: "^(dist|build|node_modules)/" },
  },
};
