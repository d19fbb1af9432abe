// Headless Chromium for tests of the web pages: Debian's chromium (or $KOTODAMA_CHROMIUM) driven by playwright-core,
// which downloads no browser of its own. Without it the test skips, or fails under KOTODAMA_REQUIRE_BROWSER=1
// (set by .ci/run, which installs the chromium package).
// Not here: any page's test (tests/label-browser.test.ts).
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const chromiumPath = (): string => process.env.KOTODAMA_CHROMIUM || "/usr/bin/chromium";

/** A launched headless Chromium, or null after `t.skip` saying what is missing. */
export async function chromiumOrSkip(t: { skip(message: string): void }): Promise<Browser | null> {
  const path = chromiumPath();
  if (!existsSync(path)) {
    const why = `${path} is absent (apt-get install chromium, or set KOTODAMA_CHROMIUM)`;
    if (process.env.KOTODAMA_REQUIRE_BROWSER === "1") throw new Error(`${why} (KOTODAMA_REQUIRE_BROWSER=1: the browser tests are required here)`);
    t.skip(`${why}; skipped`);
    return null;
  }
  // --no-sandbox: CI and these machines run as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: path, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"], timeout: 60_000 });
}
