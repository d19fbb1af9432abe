// Lint: typescript-eslint's recommended rules on the TypeScript sources. Layer direction is checked by
// dependency-cruiser (.dependency-cruiser.cjs), which resolves imports the way TypeScript does.
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "build/**", "node_modules/**", "runs/**", "**/*.js", "**/*.mjs", "**/*.cjs"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Library code takes explicit RNG state (STYLE.md principle 14).
      "no-restricted-properties": ["error", { object: "Math", property: "random", message: "pass an explicit seeded RNG (src/util/rng.ts)" }],
      "no-eval": "error",
      "no-new-func": "error",
    },
  },
);
