// Bundles the extension (Node, CommonJS, `vscode` external) and the preview page script
// (browser IIFE with pdf.js), and copies the pdf.js worker into media/. With --tests it
// bundles each test/unit/*.test.ts into out-test/ with `vscode` replaced by the mock.
// With --production it also builds the aisci wheel into dist/wheel/ (the .vsix carries it for
// "Set Up the AI Scientist Here…"), with the repository's .venv Python (or AISCI_PYTHON), from a
// copy of the sources as tests/test_wheel.py does (so the checkout gets no build/ folder and no
// stale build/lib reaches the wheel).
// Everything comes from node_modules and the .venv: nothing is downloaded.
import * as esbuild from "esbuild";
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
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

/** The aisci wheel in dist/wheel/ (the folder holds that one wheel only). */
function buildWheel() {
  const repo = join(root, "..");
  const python = process.env.AISCI_PYTHON ?? join(repo, ".venv", "bin", "python");
  const work = mkdtempSync(join(tmpdir(), "aisci-wheel-"));
  const out = join(root, "dist", "wheel");
  try {
    const skip = new Set(["__pycache__", "results", ".git", "node_modules"]);
    const keep = (p) => !skip.has(basename(p)) && !/^run_\d+$|\.egg-info$/.test(basename(p));
    for (const name of [
      "pyproject.toml",
      "setup.py",
      "README.md",
      "MANIFEST.in",
      "server",
      "templates",
    ]) {
      cpSync(join(repo, name), join(work, "src", name), { recursive: true, filter: keep });
    }
    rmSync(out, { recursive: true, force: true });
    const built = spawnSync(
      python,
      [
        "-m",
        "pip",
        "wheel",
        join(work, "src"),
        "--no-deps",
        "--no-build-isolation",
        "-q",
        "-w",
        out,
      ],
      { cwd: work, encoding: "utf8", env: { ...process.env, PIP_NO_INDEX: "1" } },
    );
    if (built.status !== 0) {
      console.error(
        `building the aisci wheel with ${python} failed:\n${built.stderr || built.error}`,
      );
      process.exit(1);
    }
    console.log(`wheel: ${readdirSync(out).join(", ")} in dist/wheel/`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (production) {
  buildWheel();
}

if (watch) {
  for (const options of builds) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
  }
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
