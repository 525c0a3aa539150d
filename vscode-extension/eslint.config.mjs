// eslint's flat config for the extension: the TypeScript sources and unit tests get
// typescript-eslint's type-checked rules (each file is checked with its own tsconfig: the
// webview script's is src/webview-scripts/tsconfig.json), the build script and the e2e steps
// (plain Node ES modules) the JavaScript recommended rules.
import js from "@eslint/js";
import globals from "globals";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig(
  { ignores: ["dist/", "out-test/", "media/", ".e2e/", "test-output/", "node_modules/"] },
  {
    files: ["src/**/*.ts", "test/unit/**/*.ts"],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    files: ["test/unit/**/*.ts"],
    rules: {
      // node:test's test() returns a promise that the runner itself awaits and reports; the
      // files call it at the top level, as its documentation does.
      "@typescript-eslint/no-floating-promises": [
        "error",
        {
          allowForKnownSafeCalls: [
            { from: "package", name: ["test", "describe", "it", "suite"], package: "node:test" },
          ],
        },
      ],
    },
  },
  {
    files: ["scripts/**/*.mjs", "test/e2e/**/*.mjs", "eslint.config.mjs"],
    extends: [js.configs.recommended],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // The callbacks given to playwright's evaluate() run in the page, where document and window are.
    files: ["test/e2e/**/*.mjs"],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
);
