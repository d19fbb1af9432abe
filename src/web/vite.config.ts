// Vite build of kotodama's web pages (one folder per page: label/, explorer/): Preact with the
// automatic JSX runtime, written to dist/web, which the servers in src/server serve. `npm run build` runs it.
// Not here: any server code; the pages never import from src/ outside src/web (they talk to the server by HTTP).
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: "/",
  logLevel: "warn",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: resolve(here, "../../dist/web"),
    emptyOutDir: true,
    // No inline scripts or styles: the servers send Content-Security-Policy default-src 'self'.
    assetsInlineLimit: 0,
    // The explorer bundles ECharts (~640 kB minified, ~210 kB gzipped), served from this machine.
    chunkSizeWarningLimit: 800,
    modulePreload: { polyfill: false },
    rollupOptions: { input: { label: resolve(here, "label/index.html"), explorer: resolve(here, "explorer/index.html") } },
  },
});
