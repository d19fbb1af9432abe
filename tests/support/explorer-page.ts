// For the explorer's browser tests: `kotodama serve` as a child process on a free port, and the waits that read the
// page's DOM (a text by data-testid, a chart's drawn points), and a page that records its errors. Not here: any
// assertion about a page's numbers.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { packageRoot } from "../../src/util/paths.js";

/** The bits of the page's DOM the predicates read (this file compiles without the DOM types). Predicates are
 *  functions, not strings (the page's Content-Security-Policy forbids eval), serialized on their own: they name
 *  nothing from this file. */
export type El = { textContent: string | null; getAttribute(n: string): string | null };
export type PageDom = { document: { querySelector(s: string): El | null; querySelectorAll(s: string): { length: number } } };

export async function textIs(page: Page, testid: string, want: string): Promise<void> {
  await page.waitForFunction(([id, w]: readonly [string, string]) => (globalThis as unknown as PageDom).document.querySelector(`[data-testid=${id}]`)?.textContent === w, [testid, want] as const, { timeout: 30_000 })
    .catch(async (e: Error) => assert.fail(`[data-testid=${testid}] should read ${JSON.stringify(want)}, reads ${JSON.stringify(await page.locator(`[data-testid=${testid}]`).first().textContent().catch(() => null))} (${e.message.split("\n")[0]})`));
}

export async function pointsAbove(page: Page, testid: string, n: number): Promise<number> {
  await page.waitForFunction(([id, m]: readonly [string, number]) => Number((globalThis as unknown as PageDom).document.querySelector(`[data-testid=${id}]`)?.getAttribute("data-points") ?? 0) > m, [testid, n] as const, { timeout: 30_000 });
  return Number(await page.locator(`[data-testid=${testid}]`).getAttribute("data-points"));
}

/** `kotodama serve` on a free port; resolves with its URL once it prints `listening on`. */
export function startServe(args: readonly string[]): Promise<{ url: string; child: ChildProcess; out: () => string }> {
  const child = spawn(process.execPath, [join(packageRoot(), "bin", "kotodama"), "serve", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in 60 s:\n${out}`)), 60_000);
    const on = (b: Buffer): void => {
      out += b.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m !== null && out.includes("explorer: ")) {
        clearTimeout(timer);
        resolve({ url: m[1]!, child, out: () => out });
      }
    };
    child.stdout.on("data", on);
    child.stderr.on("data", on);
    child.once("exit", (code) => reject(new Error(`serve exited with ${code}:\n${out}`)));
  });
}


/** A 1280 × 900 page that records every page error and console error in `errors` (a test asserts it stays empty). */
export async function watchedPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()} (${m.location().url})`);
  });
  return { page, errors };
}
