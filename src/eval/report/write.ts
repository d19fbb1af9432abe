// Writing a report card: DIR/report.json (the card, machine-readable, with its format and version) and
// DIR/report.html, each through a temp file and a rename. Not here: gathering or rendering.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { atomicWrite } from "../../data/files.js";
import type { ReportCard } from "./card.js";
import { reportHtml } from "./html.js";

export const REPORT_FILES = { json: "report.json", html: "report.html" } as const;

export function writeReportCard(dir: string, card: ReportCard): { json: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const paths = { json: join(dir, REPORT_FILES.json), html: join(dir, REPORT_FILES.html) };
  atomicWrite(paths.json, `${JSON.stringify(card, null, 2)}\n`);
  atomicWrite(paths.html, reportHtml(card));
  return paths;
}
