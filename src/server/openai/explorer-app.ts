// The explorer's routes on the OpenAI-compatible server: its page at / (the built bundle's explorer/ folder), and
// its JSON API under /api/explorer — what the server offers (info), the next-token distribution, scores and a
// ranking, the sampling playground, attention maps with the logit lens (all queued to the same inference worker
// as /v1 requests), the training dashboard's runs and metrics (read from disk, polled by the page), grounded answers
// from the --rag index (worker), the guard's checks (--guard), the runs' report cards, data-pipeline reports,
// canary exposure and alignment comparisons, each model's greedy chat answer (the Instruction tuning page), the
// labelling page of `kotodama label` when serve is given --label-out (its routes, mounted here), and a "cefr" page
// in info with --cefr (the page calls POST /v1/cefr itself).
// Not here: the app shell, auth and errors (app.ts, http.ts), computing (explorer-jobs.ts), parsing
// (explorer-requests.ts), finding runs (explorer-runs.ts), reading run files (explorer-run-files.ts), the page
// (src/web/explorer/), labelling (src/server/label.ts, train/preference/).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Context, Hono } from "hono";
import type { LabelSession } from "../../train/preference/index.js";
import { labelRoutes } from "../label.js";
import { inspectInput, inspectOutput, type AnyGuard, type InputCheck, type OutputCheck } from "../../safety/index.js";
import { jsonBody, serveBundle } from "../http.js";
import { ApiError, badField } from "./errors.js";
import { ATTENTION_MAX_TOKENS } from "./explorer-jobs.js";
import { readAlignment, readCanaries, readDataReport, splitStyles } from "./explorer-run-files.js";
import { MAX_ANSWER_TOKENS, MAX_SAMPLE_TOKENS, MAX_TEXTS, MAX_TOP_K, parseAnswerRequest, parseAttentionRequest, parseGuardRequest, parseNextRequest, parseRagRequest, parseSampleRequest, parseScoreRequest, parseSimplifyRequest, type ExploreRequest } from "./explorer-requests.js";
import { findRuns, readMetricsFrom, type RunDir } from "./explorer-runs.js";
import type { JobQueue } from "./queue.js";

export interface ExplorerOptions {
  /** The built web bundle (dist/web), or null when it is not built (the API still answers; / says how to build). */
  readonly bundle: string | null;
  /** Folders searched for run directories (metrics.jsonl) besides the served models' own. */
  readonly runs: readonly string[];
  /** The guard of the Safety page (serve --guard), or null. */
  readonly guard: AnyGuard | null;
  /** The retrieval index folder of the Retrieval page (serve --rag; the worker opens it), or null. */
  readonly rag: string | null;
  /** The labelling session of serve --label-out (the Labelling entry of the navigation opens its page), or null. */
  readonly label?: LabelSession | null;
}

/** Pages the explorer always has, in navigation order; retrieval and safety join them when configured (a page not
 *  listed is absent from the navigation). */
export const EXPLORER_PAGES = ["next", "naturalness", "sampling", "attention", "training", "tuning", "simplify"] as const;

/** The report.html beside a data report.json, when it is there. */
const dataHtmlOf = (json: string): string | null => {
  const p = join(dirname(json), "report.html");
  return existsSync(p) ? p : null;
};

/** What produces each run file, for the 404 that says it is absent. */
const WRITTEN_BY = {
  report: "report card (kotodama report writes DIR/report/report.html)",
  dataReport: "data-pipeline report (kotodama data, or npm start's data stage, writes DIR/data/report.json)",
  canaries: "canaries.json (kotodama train --canaries N)",
  alignment: "alignment.json (npm start's alignment stage, or kotodama eval alignment)",
} as const;

/** The Safety page's answer: the guard's input check (and output check of a given reply), as src/safety gives them. */
export interface GuardJson {
  readonly input: InputCheck;
  readonly output: OutputCheck | null;
}

/** Paths anyone may GET without an API key: the page and its static files (they hold no data). */
export const isExplorerAsset = (method: string, path: string): boolean =>
  method === "GET" && (path === "/" || path === "/explorer" || path.startsWith("/explorer/") || path === "/label" || path.startsWith("/label/") || path.startsWith("/assets/") || path === "/favicon.ico");

export interface ExplorerDeps {
  readonly queue: JobQueue;
  readonly models: readonly { readonly name: string; readonly path: string }[];
  /** The model name checked (404 for an unknown one). */
  readonly modelOf: (name: string) => string;
  /** The CEFR classifier's name (serve --cefr; the CEFR page calls POST /v1/cefr), or null: no CEFR page. */
  readonly cefr: string | null;
}

export function explorerRoutes(app: Hono, o: ExplorerOptions, d: ExplorerDeps): void {
  const roots = [...d.models.map((m) => m.path), ...o.runs];
  const runOf = (c: Context): RunDir => {
    const name = c.req.query("run");
    if (name === undefined) throw badField("run", "expected ?run=NAME (GET /api/explorer/info lists the runs)");
    const run = findRuns(roots).find((r) => r.name === name);
    if (run === undefined) throw new ApiError(404, `no run named ${JSON.stringify(name)} (GET /api/explorer/info lists the runs)`, "run");
    return run;
  };

  const pages = (runs: readonly RunDir[]): string[] => [
    ...EXPLORER_PAGES, ...(o.rag !== null ? ["retrieval"] : []), ...(o.guard !== null || runs.some((r) => r.report !== null) ? ["safety"] : []),
    ...(d.cefr !== null ? ["cefr"] : []),
  ];
  const label = o.label ?? null;
  app.get("/api/explorer/info", (c) => {
    const runs = findRuns(roots);
    return c.json({
      models: d.models.map((m) => m.name), pages: pages(runs), guard: o.guard !== null,
      runs: runs.map((r) => ({ name: r.name, report: r.report !== null, data: r.dataReport !== null, canaries: r.canaries !== null, alignment: r.alignment !== null })),
      limits: { attentionTokens: ATTENTION_MAX_TOKENS, topK: MAX_TOP_K, texts: MAX_TEXTS, sampleTokens: MAX_SAMPLE_TOKENS, answerTokens: MAX_ANSWER_TOKENS },
      label: label !== null, cefr: d.cefr !== null,
    });
  });

  const job = (parse: (b: Record<string, unknown>) => ExploreRequest) => async (c: Context): Promise<Response> => {
    const r = parse(await jsonBody(c));
    const model = d.modelOf(r.model ?? d.models[0]!.name);
    return c.json(await d.queue.submit(model, r.job, { signal: c.req.raw.signal }));
  };
  app.post("/api/explorer/next", job(parseNextRequest));
  app.post("/api/explorer/score", job(parseScoreRequest));
  app.post("/api/explorer/sample", job(parseSampleRequest));
  app.post("/api/explorer/attention", job(parseAttentionRequest));
  app.post("/api/explorer/rag", job(parseRagRequest));
  app.post("/api/explorer/answer", job(parseAnswerRequest));
  app.post("/api/explorer/simplify", job(parseSimplifyRequest));
  // The guard runs here, not on the model's worker: the n-gram guard takes microseconds; an LM guard waits on its
  // endpoint, or (a local model) holds this thread for a forward pass (docs/safety.md, "Where it runs").
  app.post("/api/explorer/guard", async (c) => {
    const r = parseGuardRequest(await jsonBody(c));
    const g = o.guard;
    if (g === null) throw new ApiError(404, "this server has no guard (kotodama serve --guard DIR)", null, "no_guard");
    const body: GuardJson = { input: await inspectInput(g, r.text), output: r.response === null ? null : await inspectOutput(g, r.text, r.response) };
    return c.json(body);
  });

  app.get("/api/explorer/metrics", (c) => {
    const raw = c.req.query("from") ?? "0";
    const from = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(from)) throw badField("from", `expected a line number ≥ 0, got ${JSON.stringify(raw)}`);
    const run = runOf(c);
    return c.json({ run: run.name, ...readMetricsFrom(run, from) });
  });
  // A run's files, by kind: absent is a 404 naming the command that writes it.
  const fileOf = (c: Context, kind: "report" | "dataReport" | "canaries" | "alignment"): { run: RunDir; file: string } => {
    const run = runOf(c);
    const file = run[kind];
    if (file === null) throw new ApiError(404, `run ${JSON.stringify(run.name)} has no ${WRITTEN_BY[kind]}`, "run");
    return { run, file };
  };
  // The report cards are HTML files with an inline <style> block, which the server's CSP (default-src 'self') would
  // block: their styles are served apart, as a same-origin stylesheet.
  const html = (kind: "report" | "dataReport", path: string) => (c: Context): { html: string; css: string } => {
    const { run, file } = fileOf(c, kind);
    const page = kind === "report" ? file : dataHtmlOf(file);
    if (page === null) throw new ApiError(404, `run ${JSON.stringify(run.name)} has a data report.json but no report.html beside it`, "run");
    return splitStyles(readFileSync(page, "utf8"), `${path}.css?run=${encodeURIComponent(run.name)}`);
  };
  const reportHtml = html("report", "/api/explorer/report"), dataHtml = html("dataReport", "/api/explorer/data-report");
  const css = (c: Context, text: string): Response => c.body(text, 200, { "Content-Type": "text/css; charset=utf-8" });
  app.get("/api/explorer/report", (c) => c.html(reportHtml(c).html));
  app.get("/api/explorer/report.css", (c) => css(c, reportHtml(c).css));
  app.get("/api/explorer/data-report", (c) => {
    const { file } = fileOf(c, "dataReport");
    return c.json({ ...readDataReport(file), html: dataHtmlOf(file) !== null });
  });
  app.get("/api/explorer/data-report.html", (c) => c.html(dataHtml(c).html));
  app.get("/api/explorer/data-report.css", (c) => css(c, dataHtml(c).css));
  app.get("/api/explorer/canaries", (c) => c.json(readCanaries(fileOf(c, "canaries").file)));
  app.get("/api/explorer/alignment", (c) => c.json(readAlignment(fileOf(c, "alignment").file)));

  // Labelling (serve --label-out): kotodama label's own routes and page, on this server and behind its shell.
  if (label !== null) labelRoutes(app, label);

  app.get("/", (c) => c.redirect("/explorer/"));
  app.get("/explorer", (c) => c.redirect("/explorer/"));
  if (o.bundle === null) {
    app.get("/explorer/", (c) => c.text("The explorer page is not built; run 'npm run build' (the API under /api/explorer and /v1 works without it).\n", 503));
  } else {
    const files = serveBundle(o.bundle);
    app.use("/explorer/*", files);
    app.use("/assets/*", files);
    if (label !== null) {
      app.get("/label", (c) => c.redirect("/label/"));
      app.use("/label/*", files);
    }
  }
}
