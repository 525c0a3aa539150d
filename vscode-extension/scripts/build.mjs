// Bundles the extension (Node, CommonJS, `vscode` external) and the preview page script
// (browser IIFE with pdf.js), and copies the pdf.js worker into media/. With --tests it
// bundles each test/unit/*.test.ts into out-test/ with `vscode` replaced by the mock.
// Everything comes from node_modules: nothing is downloaded.
import * as esbuild from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const watch = process.argv.includes("--watch");
const tests = process.argv.includes("--tests");
const production = process.argv.includes("--production");

if (tests) {
  const dir = join(root, "test", "unit");
  rmSync(join(root, "out-test"), { recursive: true, force: true });
  await esbuild.build({
    entryPoints: readdirSync(dir)
      .filter((f) => f.endsWith(".test.ts"))
      .map((f) => join(dir, f)),
    outdir: join(root, "out-test"),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    sourcemap: "inline",
    alias: { vscode: join(dir, "vscode-mock.ts") },
    logLevel: "warning",
  });
  process.exit(0);
}

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: "info" };
const builds = [
  {
    ...common,
    entryPoints: [join(root, "src", "extension.ts")],
    outfile: join(root, "dist", "extension.js"),
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["vscode"],
  },
  {
    ...common,
    entryPoints: [join(root, "src", "webview-scripts", "preview.ts")],
    outfile: join(root, "media", "preview.js"),
    platform: "browser",
    format: "iife",
    target: "chrome114",
    sourcemap: false,
    // pdf.js refers to import.meta.url only for its default worker path; we hand it a worker.
    define: { "import.meta.url": "undefined" },
    logOverride: { "empty-import-meta": "silent" },
  },
];

const pdfjsDir = dirname(require.resolve("pdfjs-dist/package.json"));
mkdirSync(join(root, "media"), { recursive: true });
copyFileSync(
  join(pdfjsDir, "legacy", "build", "pdf.worker.min.mjs"),
  join(root, "media", "pdf.worker.mjs"),
);

if (watch) {
  for (const options of builds) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
  }
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
