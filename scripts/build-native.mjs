// Builds the native addon (native/ → build/Release/kotodama.node) with node-gyp during `npm install`.
// Without --strict a failed build only warns: kotodama then runs on the plain-TypeScript `ref` backend and
// says so once at run time. With --strict (npm run build:native) a failure exits non-zero.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { existsSync } from "node:fs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const strict = process.argv.includes("--strict");

if (process.env.KOTODAMA_SKIP_NATIVE === "1") {
  console.log("kotodama: KOTODAMA_SKIP_NATIVE=1, not building the native addon (ref backend only)");
  process.exit(0);
}

// npm puts its bundled node-gyp on PATH for lifecycle scripts; outside npm fall back to npm's copy.
function findNodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) {
    return [process.execPath, [process.env.npm_config_node_gyp]];
  }
  const npmCli = join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js");
  if (existsSync(npmCli)) return [process.execPath, [npmCli]];
  return ["node-gyp", []];
}

// Build against the local Node headers (no download): npm's nodedir setting, else the headers installed
// next to this node binary (<prefix>/include/node).
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [`--nodedir=${process.env.npm_config_nodedir}`];
  const prefix = join(dirname(process.execPath), "..");
  return existsSync(join(prefix, "include", "node", "node_api.h")) ? [`--nodedir=${prefix}`] : [];
}

const [cmd, pre] = findNodeGyp();
const jobs = process.env.KOTODAMA_BUILD_JOBS ?? "max";
const r = spawnSync(cmd, [...pre, "rebuild", `--jobs=${jobs}`, ...nodedirArgs()], { cwd: root, stdio: "inherit" });
if (r.status === 0) {
  console.log("kotodama: native addon built (build/Release/kotodama.node)");
  process.exit(0);
}
const why = r.error ? r.error.message : `node-gyp exited with ${r.status}`;
console.warn(`kotodama: WARNING: the native addon could not be built (${why}); kotodama will use the slower ref backend.`);
process.exit(strict ? 1 : 0);
