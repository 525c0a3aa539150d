// End-to-end test of the extension in a real VS Code (code-server 4.100.3) driven by Debian's
// Chromium through playwright-core, offline. Needs: `bash scripts/setup-e2e.sh` (code-server,
// chromium), `npm run build` (aisci.vsix), and the repository's .venv with aisci installed
// (or AISCI_PYTHON). This file makes a scratch home, user settings (sweep scientist, smoke
// scale, local engine, review-edits; at first a missing aiScientist.python) and an untrusted
// workspace holding a copy of the scaffold template, a copy of the grokking template's paper
// and a .vscode/settings.json naming a hostile "python"; starts code-server (workspace trust
// on) and Chromium, runs the steps of trust.mjs, cycle.mjs, editor.mjs, paperRecord.mjs,
// provenance.mjs, topic.mjs, startup.mjs and setup.mjs, and stops everything. It prints the three editor figures (window open to a filled side bar,
// save to refreshed preview, cancel to the job's end). Screenshots of each step go to vscode-extension/test-output/ (and, on failure,
// the VS Code logs). Every wait is bounded. Prints "e2e: N passed, N failed" last.
import { spawn, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { fail, freePort, stopAll, until } from "./support.mjs";
import { researchCycle } from "./cycle.mjs";
import { editorChecks } from "./editor.mjs";
import { paperRecordChecks } from "./paperRecord.mjs";
import { provenanceChecks } from "./provenance.mjs";
import { topicChecks } from "./topic.mjs";
import { trustChecks } from "./trust.mjs";
import { startupChecks } from "./startup.mjs";
import { setupChecks } from "./setup.mjs";
import { workbench } from "./workbench.mjs";

const EXT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const ROOT = join(EXT, "..");
const OUT = process.env.AISCI_E2E_OUT ?? join(EXT, "test-output");
const PYTHON = process.env.AISCI_PYTHON ?? join(ROOT, ".venv", "bin", "python");
const CODE_SERVER = join(EXT, ".e2e", "code-server", "node_modules", ".bin", "code-server");
const VSIX = join(EXT, "aisci.vsix");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const KEEP = process.env.AISCI_E2E_KEEP === "1";
// AISCI_E2E_ONLY=bad-python skips the research cycle (for working on the start-up checks);
// AISCI_E2E_ONLY=setup runs only the trust steps and the set-up (setup.mjs).
// AISCI_E2E_ONLY=paper runs the research cycle and the PDF-of-record steps (paperRecord.mjs).
// AISCI_E2E_ONLY=provenance runs the research cycle and the provenance steps (provenance.mjs).
// AISCI_E2E_ONLY=topic runs only the trust steps and research from a topic (topic.mjs).
const ONLY = process.env.AISCI_E2E_ONLY ?? "";
const t0 = Date.now();

function log(msg) {
  console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${msg}`);
}

for (const [what, path, fix] of [
  ["code-server", CODE_SERVER, "bash vscode-extension/scripts/setup-e2e.sh"],
  ["the extension package", VSIX, "npm run build"],
  ["Chromium", CHROMIUM, "bash vscode-extension/scripts/setup-e2e.sh"],
  ["the aisci Python", PYTHON, "make venv (or set AISCI_PYTHON)"],
]) {
  if (!existsSync(path)) {
    console.error(`e2e: ${what} is missing (${path}); run: ${fix}`);
    process.exit(1);
  }
}

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const scratch = mkdtempSync(join(tmpdir(), "aisci-e2e-"));
const home = join(scratch, "home");
const userData = join(scratch, "user-data");
const extensions = join(scratch, "extensions");
const ws = join(scratch, "workspace");
for (const d of [
  home,
  join(userData, "User"),
  extensions,
  join(ws, "templates"),
  join(ws, ".vscode"),
]) {
  mkdirSync(d, { recursive: true });
}
cpSync(join(ROOT, "server", "aisci", "scaffold"), join(ws, "templates", "tiny"), {
  recursive: true,
});
// A shipped template's paper, for the preview's speed and SyncTeX (outside results/: only a save builds it).
cpSync(join(ROOT, "templates", "grokking", "latex"), join(ws, "paper_grokking", "latex"), {
  recursive: true,
});
// An untrusted workspace's settings must not choose the program that runs: this one only leaves a mark.
const hostile = join(scratch, "hostile-python");
const hostileMark = join(scratch, "hostile-python-ran");
writeFileSync(hostile, `#!/bin/sh\ntouch "${hostileMark}"\necho "hostile python" >&2\nexit 1\n`, {
  mode: 0o755,
});
writeFileSync(
  join(ws, ".vscode", "settings.json"),
  JSON.stringify({ "aiScientist.python": hostile }, null, 2),
);
const userSettingsFile = join(userData, "User", "settings.json");
const userSettings = (python) =>
  JSON.stringify(
    {
      "aiScientist.python": python,
      "aiScientist.scientist": "sweep",
      "aiScientist.scale": "smoke",
      "aiScientist.engine": "local",
      "aiScientist.autonomy": "review-edits",
      "aiScientist.numIdeas": 1,
      "workbench.startupEditor": "none",
      "workbench.tips.enabled": false,
      "workbench.enableExperiments": false,
      "security.workspace.trust.enabled": true,
      "security.workspace.trust.startupPrompt": "never",
      "security.workspace.trust.banner": "never",
      "telemetry.telemetryLevel": "off",
      "extensions.ignoreRecommendations": true,
      "extensions.autoCheckUpdates": false,
      "update.mode": "none",
      "git.enabled": false,
      "chat.commandCenter.enabled": false,
      "workbench.secondarySideBar.defaultVisibility": "hidden",
      "window.restoreWindows": "none",
    },
    null,
    2,
  );
// At first a Python that is not there: the activation says so in the side bar only.
writeFileSync(userSettingsFile, userSettings(join(scratch, "no-such-python")));

const env = {
  ...process.env,
  HOME: home,
  XDG_CONFIG_HOME: join(home, ".config"),
  XDG_DATA_HOME: join(home, ".local", "share"),
  XDG_CACHE_HOME: join(home, ".cache"),
  XDG_RUNTIME_DIR: join(home, ".run"),
  EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: "http://127.0.0.1:9/gallery" }),
  // The language server's aider and litellm stay offline (recipes.md).
  LITELLM_LOCAL_MODEL_COST_MAP: "True",
  LITELLM_OFFLINE_MODE: "true",
  // The set-up's pip (setup.mjs) reaches no index, and no pip configuration of this machine.
  PIP_NO_INDEX: "1",
  PIP_CONFIG_FILE: "/dev/null",
};
delete env.PIP_FIND_LINKS; // nor a machine's folder of wheels: only what is installed counts

let codeServer;
let browser;
let page;
let shot = 0;
const wb = workbench(() => page, log);
const { viewRows } = wb;

// AISCI_E2E_DOCS=1 also refreshes the screenshots docs/vscode.md shows.
const DOCS = process.env.AISCI_E2E_DOCS === "1" ? join(ROOT, "docs", "images") : undefined;
const FOR_DOCS = new Set([
  "templates-view",
  "proposal-diff",
  "views",
  "results",
  "paper-preview",
  "preview-missing-pdf",
  "server-crash-loop",
  "no-python-side-bar",
  "restricted-mode",
  "job-progress",
  "cancel-picker",
  "synctex-forward",
  "setup-consent",
  "setup-done",
]);
const figures = [];

async function screenshot(name) {
  const file = join(OUT, `${String(++shot).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file });
  if (DOCS && FOR_DOCS.has(name)) {
    mkdirSync(DOCS, { recursive: true });
    cpSync(file, join(DOCS, `vscode-${name}.png`));
  }
  log(`screenshot ${file}`);
  return file;
}

// ---------- the test ----------

async function main() {
  log(`scratch ${scratch}`);
  const install = spawnSync(
    CODE_SERVER,
    [
      "--install-extension",
      VSIX,
      "--force",
      "--extensions-dir",
      extensions,
      "--user-data-dir",
      userData,
    ],
    { env, encoding: "utf8", timeout: 120_000 },
  );
  if (install.status !== 0) {
    fail(`installing the extension failed: ${install.stderr || install.stdout}`);
  }
  log("extension installed");

  const port = await freePort();
  const serverLog = join(OUT, "code-server.log");
  const logFd = openSync(serverLog, "w");
  codeServer = spawn(
    CODE_SERVER,
    [
      "--bind-addr",
      `127.0.0.1:${port}`,
      "--auth",
      "none",
      "--user-data-dir",
      userData,
      "--extensions-dir",
      extensions,
      "--disable-telemetry",
      "--disable-update-check",
      "--disable-getting-started-override",
      "--disable-proxy",
      ws,
    ],
    { env, cwd: ws, detached: true, stdio: ["ignore", logFd, logFd] },
  );
  await until(
    "code-server to answer",
    60_000,
    async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok,
  );
  log(`code-server on port ${port}`);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ],
    env,
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 860 } });
  page = await context.newPage();
  const consoleErrors = [];
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|Refused to/i.test(m.text())) {
      consoleErrors.push(m.text());
    }
  });
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}`);
  await page.locator(".monaco-workbench").waitFor({ timeout: 60_000 });
  await page
    .locator(".explorer-folders-view .monaco-list-row")
    .first()
    .waitFor({ timeout: 60_000 });
  log("workbench ready");

  // The AI Scientist container and its views.
  const activity = page.locator('.activitybar .action-item a[aria-label^="AI Scientist"]');
  await activity.waitFor({ timeout: 60_000 });
  await activity.click();
  // A wider side bar, so the views' descriptions show in the screenshots.
  const bar = await page.locator(".part.sidebar").boundingBox();
  if (bar) {
    await page.mouse.move(bar.x + bar.width + 1, bar.y + bar.height / 2);
    await page.mouse.down();
    await page.mouse.move(bar.x + bar.width + 180, bar.y + bar.height / 2, { steps: 5 });
    await page.mouse.up();
  }
  const t = {
    page,
    ws,
    scratch,
    userData,
    python: PYTHON,
    consoleErrors,
    log,
    screenshot,
    wb,
    figures,
    hostileMark,
  };
  await trustChecks(t);
  await until("the Templates view to list tiny", 60_000, async () =>
    (await viewRows("Templates")).some((r) => r.includes("tiny")),
  );
  await screenshot("templates-view");

  if (ONLY === "paper") {
    await researchCycle(t);
    await paperRecordChecks(t);
  } else if (ONLY === "provenance") {
    await researchCycle(t);
    await provenanceChecks(t);
  } else if (ONLY === "topic") {
    await topicChecks(t);
  } else if (ONLY !== "bad-python" && ONLY !== "setup") {
    await researchCycle(t);
    await editorChecks(t);
    await paperRecordChecks(t);
    await provenanceChecks(t);
    await topicChecks(t);
  }
  if (!["setup", "paper", "provenance", "topic"].includes(ONLY)) {
    await startupChecks(t);
  }
  if (!["paper", "provenance", "topic"].includes(ONLY)) {
    await setupChecks(t);
  }

  if (consoleErrors.length) {
    fail(`Content Security Policy violations: ${consoleErrors.join(" | ")}`);
  }
  log(`passed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  for (const f of figures) {
    console.log(`figure: ${f}`);
  }
  console.log(`figure: load average ${load} on ${cpus().length} CPUs`);
}

let status = 0;
try {
  await main();
} catch (e) {
  status = 1;
  console.error(`e2e FAILED: ${e instanceof Error ? e.message : e}`);
  if (page) {
    await screenshot("failure").catch(() => undefined);
  }
  // The extension's and the server's logs, for the post-mortem.
  try {
    cpSync(join(userData, "logs"), join(OUT, "vscode-logs"), { recursive: true });
  } catch {
    /* no logs */
  }
} finally {
  await browser?.close().catch(() => undefined);
  await stopAll(codeServer, scratch);
  if (!KEEP) {
    rmSync(scratch, { recursive: true, force: true });
  }
}
console.log(status === 0 ? "e2e: 1 passed, 0 failed" : "e2e: 0 passed, 1 failed");
process.exit(status);
