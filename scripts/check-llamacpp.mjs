// CI's early check that node-llama-cpp's prebuilt CPU llama.cpp loads on this machine (the oracle and anchor of
// tests/support/llamacpp.ts). Not here: any test. A file, not `node -e`: node-llama-cpp tests its binary in a
// forked child, which inherits `-e` from execArgv and would run this check again instead of its own test.
const m = await import("../dist/tests/support/llamacpp.js");
const l = await m.loadLlamaCpp();
if ("reason" in l) {
  console.error(`CI: ${l.reason} (the llama.cpp oracle is required here: KOTODAMA_REQUIRE_LLAMACPP=1)`);
  process.exit(1);
}
console.log(`CI: llama.cpp loads (node-llama-cpp ${await m.llamaCppVersion()}, llama.cpp ${l.llama.llamaCppRelease.release})`);
process.exit(0);
