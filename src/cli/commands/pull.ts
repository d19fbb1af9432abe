// `kotodama pull NAME...`: fetch catalogue models and data sets or Hugging Face Hub models into KOTODAMA_HOME
// (licence first, progress bar, resumable, verified); `--list`; `--offline` checks the cache only.
// Not here: downloading or lookup logic (src/pull).
import { envFetch } from "../../pull/proxy.js";
import type { Command } from "../command.js";
import { parseFlags } from "../command.js";
import { KotodamaError } from "../../util/errors.js";
import { listRow, loadCatalogue } from "../../pull/catalogue.js";
import { kotodamaHome } from "../../pull/home.js";
import { pull, type PullResult } from "../../pull/pull.js";
import { byteBar, humanBytes } from "../progress.js";

const HELP = [
  "Usage: kotodama pull NAME... [--offline] [--json] [--quiet]",
  "       kotodama pull --list [--json]",
  "",
  "Downloads into KOTODAMA_HOME (default $XDG_CACHE_HOME/kotodama or ~/.cache/kotodama), resuming an interrupted",
  "download (HTTP Range) and checking every file's sha256 before it is renamed into place. NAME is",
  "  a catalogue name (kotodama pull --list): tinystories, aozora, do-not-answer, xstest, hh-rlhf, cefr-sp,",
  "    asset, self-instruct, jglue (data, laid out like ../shared/data) or stories260K (a model);",
  "  a Hugging Face Hub model: user/repo:Q8_0 (the GGUF with that quantization tag), user/repo/file.gguf",
  "    (one file) or user/repo (a safetensors folder with its tokenizer files); user/repo@REV pins a revision.",
  "The licence is printed before the download; non-commercial sets are marked. HF_TOKEN reaches private or",
  "gated repositories, HF_ENDPOINT a mirror; proxies: docs/pull.md. Commands look in ../shared first, then here.",
  "  --offline   never touch the network: check that NAME is in the cache (exit 1 when not)",
  "  --json      print the result (or the list: [{name, kind, license, size, sha256, url, ...}]) as JSON",
  "  --list      the catalogue",
  "  --quiet     no progress bar",
].join("\n");

export const pullCommand: Command = {
  name: "pull",
  summary: "download a model or data set by name (catalogue or Hugging Face Hub) into KOTODAMA_HOME",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseFlags("pull", argv, { offline: { type: "boolean" }, json: { type: "boolean" }, list: { type: "boolean" }, quiet: { type: "boolean" } });
    const cat = loadCatalogue();
    const json = values.json === true;
    if (values.list === true) {
      const rows = cat.map(listRow);
      if (json) process.stdout.write(`${JSON.stringify(rows, null, 1)}\n`);
      else for (const r of rows) process.stdout.write(`${r.name.padEnd(14)} ${r.kind.padEnd(5)} ${humanBytes(r.size).padStart(10)}  ${r.license}${r.nonCommercial ? "  ⚠ NON-COMMERCIAL" : ""}\n`);
      return 0;
    }
    if (positionals.length === 0) throw new KotodamaError("kotodama pull: name what to pull (see 'kotodama pull --list'), e.g. kotodama pull tinystories");
    const home = kotodamaHome();
    const bar = byteBar(values.quiet === true || !process.stderr.isTTY);
    const results: PullResult[] = [];
    const proxy = values.offline === true ? null : envFetch(process.env).via;
    if (proxy !== null) process.stderr.write(`pull: through the proxy ${proxy}\n`);
    try {
      for (const name of positionals) {
        const r = await pull(name, cat, {
          home,
          offline: values.offline === true,
          env: process.env,
          onProgress: bar.onProgress,
          onWait: (h) => process.stderr.write(`${name}: another kotodama pull (pid ${h.pid}, since ${h.since}) is fetching it; waiting, then reusing its files\n`),
          onStart: (s) => {
            const nc = s.nonCommercial ? "  ⚠ NON-COMMERCIAL: research and personal use only" : "";
            process.stderr.write(`${s.name}: licence ${s.license ?? "not stated (check the model card)"}${nc}; ${s.files} file(s)${s.bytes === null ? "" : `, ${humanBytes(s.bytes)}`}\n`);
          },
        });
        bar.stop();
        results.push(r);
        const fetched = r.files.filter((f) => !f.cached).length;
        if (!json) process.stdout.write(`${r.name}: ${r.files.length} file(s) in ${r.dir} (${fetched} fetched, ${r.files.length - fetched} already there, sha256 verified)\n`);
      }
    } finally {
      bar.stop();
    }
    if (json) process.stdout.write(`${JSON.stringify(positionals.length === 1 ? results[0] : results, null, 1)}\n`);
    return 0;
  },
};
