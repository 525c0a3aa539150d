// The editor's loop around a paper and a job, with the three figures of docs/vscode.md:
// - a shipped template's paper (grokking) built on save: the time from Ctrl+S to the preview
//   showing the new PDF (the median of AISCI_E2E_SAVES saves: 3 in the test, 5 in
//   `npm run bench:editor`, the benchmark);
// - SyncTeX both ways: the source line shown in the preview (a mark), a double-click in the
//   PDF opening its source line;
// - a window reload: the time to a filled side bar (and the views say they load, never "no
//   data provider"), the preview and results tabs restored;
// - a launch cancelled from its progress notification: the picker names jobs in words, the
//   time from the click to the job's end, no "aisci.cancel finished" toast, the pending
//   proposal's notification closed, no traceback and no doubled line in the log.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fail, until } from "./support.mjs";

const SAVES = Number(process.env.AISCI_E2E_SAVES ?? 3); // the benchmark (npm run bench:editor) takes 5

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The extension's log file (a LogOutputChannel writes one under the window's logs). */
function extensionLog(userData) {
  const found = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        walk(p);
      } else if (name === "AI Scientist.log") {
        found.push(p);
      }
    }
  };
  walk(join(userData, "logs"));
  return found.map((f) => readFileSync(f, "utf8")).join("\n");
}

export async function editorChecks(t) {
  const { page, userData, log, screenshot, wb, figures } = t;
  const {
    runCommand,
    pick,
    commandPick,
    waitToast,
    toastText,
    view,
    viewRows,
    clearNotifications,
    findFrame,
  } = wb;

  // ---- a shipped template's paper: build on save, timed; SyncTeX both ways ----
  await runCommand("View: Close All Editors");
  await page.keyboard.press("Control+P");
  await page.locator(".quick-input-widget input.input").fill("paper_grokking/latex/template.tex");
  await pick("paper_grokking");
  const editor = page.locator(".editor-instance .monaco-editor").first();
  await editor.waitFor({ timeout: 30_000 });
  const renders = async () => {
    const f = await findFrame("#pages");
    return f ? Number(await f.frame.evaluate(() => document.body.dataset.renders ?? "0")) : -1;
  };
  const save = async (n) => {
    await editor.click();
    await page.keyboard.press("Control+End");
    await page.keyboard.type(`\n% e2e save ${n}`);
    const before = await renders();
    const start = Date.now();
    await page.keyboard.press("Control+S");
    await until(
      `the preview to show save ${n}`,
      60_000,
      async () => (await renders()) > before,
      20,
    );
    return Date.now() - start;
  };
  await runCommand("AI Scientist: Show in Paper Preview (SyncTeX)");
  await until("the preview of paper_grokking", 30_000, () => findFrame("#pages"));
  await clearNotifications(); // no PDF yet: SyncTeX said it found no place
  await save(0); // the first build (full, with BibTeX)
  const times = [];
  for (let i = 1; i <= SAVES; i++) {
    times.push(await save(i));
  }
  figures.push(
    `save to refreshed preview (grokking paper): median ${median(times)} ms of ${times.length} (${times.join(", ")} ms)`,
  );
  log(`save to refreshed preview: ${times.join(", ")} ms`);

  // Source -> PDF: the cursor's line marked in the preview.
  await editor.click();
  await page.keyboard.press("Control+G");
  await page.locator(".quick-input-widget input.input").fill(":30");
  await page.keyboard.press("Enter");
  await runCommand("AI Scientist: Show in Paper Preview (SyncTeX)");
  const mark = await until("the SyncTeX mark in the preview", 30_000, () =>
    findFrame(".synctex-mark"),
  );
  log(`SyncTeX forward: line 30 marked at ${mark.width}x${mark.height}`);
  await screenshot("synctex-forward");

  // PDF -> source: a double-click on the mark opens the .tex (closed first) at that line again.
  const box = await mark.frame.locator(".synctex-mark").boundingBox();
  const texTab = page.locator(".tab", { hasText: "template.tex" }).first();
  await texTab.hover();
  await texTab.locator(".codicon-close").click();
  await until(
    "template.tex closed",
    15_000,
    async () => !(await page.locator(".tab", { hasText: "template.tex" }).count()),
  );
  await page.mouse.dblclick(box.x + Math.min(40, box.width / 2), box.y + box.height / 2);
  const line = await until("the source line of the double-click", 30_000, async () => {
    const tab = await page.locator(".tab.active", { hasText: "template.tex" }).count();
    const text = await page
      .locator('.statusbar-item[id="status.editor.selection"]')
      .first()
      .innerText()
      .catch(() => "");
    return tab && /Ln \d+/.test(text) ? text : undefined;
  });
  // SyncTeX records a paragraph at the line where TeX ended it (the blank line or the next
  // \section after a one-line paragraph): the same paragraph, a line or two below.
  if (!/Ln (29|30|31|32),/.test(line)) {
    fail(`SyncTeX there and back: line 30 came back as ${line}`);
  }
  log(`SyncTeX inverse: a double-click on the mark opened template.tex at ${line}`);
  await clearNotifications();

  // ---- a reload: the side bar fills fast, says it loads meanwhile; the tabs come back ----
  await runCommand("View: Close All Editors");
  await commandPick("AI Scientist: Open Paper Preview", "sweep_");
  await until("the idea's paper in the preview", 60_000, () => findFrame("canvas.page"));
  await commandPick("AI Scientist: Show Results", "sweep_");
  await until("the results table", 30_000, () => findFrame("table"));
  // What the side bar says meanwhile, in order. VS Code restores the views before it has read
  // any extension's contributions, and says "no data provider" for every such view until
  // then; from the moment our welcome can show, it must never say it again.
  const seen = [];
  const reloaded = page.waitForEvent("framenavigated", {
    predicate: (f) => f === page.mainFrame(),
    timeout: 60_000,
  });
  const reloadStart = Date.now();
  await runCommand("Developer: Reload Window");
  await reloaded; // the old page's views lose their providers as its extension host stops: not counted
  await page.locator(".monaco-workbench").waitFor({ timeout: 60_000 });
  const filled = await until(
    "the side bar filled after the reload",
    90_000,
    async () => {
      const text = await page
        .locator(".part.sidebar")
        .innerText()
        .catch(() => "");
      const now = text.includes("no data provider")
        ? "no data provider"
        : text.includes("Starting the AI Scientist server")
          ? "starting"
          : text.includes("Reading the workspace")
            ? "reading"
            : text
              ? "other"
              : "";
      if (now && now !== seen.at(-1)?.what) {
        seen.push({ what: now, at: Date.now() - reloadStart });
      }
      const templates = await viewRows("Templates").catch(() => []);
      const runs = await viewRows("Runs").catch(() => []);
      return templates.some((r) => r.includes("tiny")) && runs.some((r) => r.startsWith("run_1"))
        ? Date.now() - reloadStart
        : undefined;
    },
    50,
  );
  const ours = seen.findIndex((x) => x.what === "starting" || x.what === "reading");
  if (ours >= 0 && seen.slice(ours).some((x) => x.what === "no data provider")) {
    fail(
      `a view said "no data provider" after the extension's welcome could show: ${JSON.stringify(seen)}`,
    );
  }
  const server = /views filled (\d+) ms after the server's first answer/.exec(
    extensionLog(userData)
      .split("\n")
      .filter((l) => l.includes("views filled"))
      .pop() ?? "",
  );
  figures.push(
    `window reload to filled side bar: ${filled} ms; ${server ? server[1] : "?"} ms after the server's first answer`,
  );
  log(
    `reload: side bar filled in ${filled} ms (${server?.[1]} ms after the server answered); the side bar said: ${seen.map((x) => `${x.what} at ${x.at} ms`).join(", ")}`,
  );
  for (const title of ["Results: ", "Paper: "]) {
    await page.locator(".tab", { hasText: title }).first().waitFor({ timeout: 30_000 });
  }
  await page.locator(".tab", { hasText: "Paper: " }).first().click(); // a background tab's page loads when shown
  await until("the restored preview to render", 60_000, async () => {
    const c = await findFrame("canvas.page");
    return c && c.width > 100 ? c : undefined;
  });
  log("the results and preview tabs came back after the reload");
  await clearNotifications();

  // ---- a launch cancelled from its progress notification ----
  // The restored preview can take the focus back just after the reload, which closes a picker
  // that opened in the meantime: commandPick opens it again.
  await commandPick("AI Scientist: Launch", "tiny");
  await wb.answerInput("1");
  const waiting = await waitToast("Proposed edit to", 180_000);
  const waitingText = await toastText(waiting);
  const diffTab = page.locator(".tab", { hasText: "current ↔ proposed" });
  await diffTab.first().waitFor({ timeout: 15_000 });
  await runCommand("AI Scientist: Cancel Running Job");
  const jobRow = page.locator(".quick-input-widget .monaco-list-row").first();
  await jobRow.waitFor({ state: "visible", timeout: 15_000 });
  const rowText = await jobRow.innerText();
  if (!rowText.includes("Launch of tiny") || /aisci-job|aisci\.launch/.test(rowText)) {
    fail(`the cancel picker does not name the job in words: ${rowText}`);
  }
  await screenshot("cancel-picker");
  await page.keyboard.press("Escape");
  // Opening the palette hid the toasts (Escape): the notification center lists them all.
  await runCommand("Notifications: Show Notifications");
  const notification = (text) => page.locator(".notification-list-item", { hasText: text }).first();
  const progress = notification("Launch of tiny");
  await progress.waitFor({ state: "visible", timeout: 15_000 });
  await screenshot("job-progress");
  const clicked = Date.now();
  await progress.locator(".monaco-button", { hasText: "Cancel" }).first().click();
  await notification("Launch was cancelled").waitFor({ state: "visible", timeout: 60_000 });
  const cancelMs = Date.now() - clicked;
  await until("the withdrawn proposal's notification to close", 15_000, async () => {
    const texts = await page
      .locator(".notification-list-item .notification-list-item-message")
      .allInnerTexts();
    return !texts.includes(waitingText);
  });
  // ... and its diff editor too (closed after the notice): the focus it hands back would
  // otherwise land during the next step, closing a palette or a box opened in the meantime.
  await until(
    "the withdrawn proposal's diff editor to close",
    15_000,
    async () => !(await diffTab.count()),
  );
  const texts = await page.locator(".notification-list-item").allInnerTexts();
  if (texts.some((x) => /aisci\.cancel/.test(x))) {
    fail(`a cancel showed an internal toast: ${texts.join(" | ")}`);
  }
  figures.push(`click on Cancel to the job's end (a launch waiting on a review): ${cancelMs} ms`);
  log(
    `cancelled the launch in ${cancelMs} ms; toasts: ${texts.map((x) => x.split("\n")[0]).join(" | ")}`,
  );
  const logText = extensionLog(userData);
  if (/Traceback/.test(logText)) {
    fail(
      `the log has a traceback: ${logText.slice(logText.indexOf("Traceback") - 200, logText.indexOf("Traceback") + 400)}`,
    );
  }
  const launches = logText.split("\n").filter((l) => /\] launch started/.test(l)).length;
  if (launches !== 2) {
    fail(`"launch started" is logged ${launches} times for 2 launches (each line once)`);
  }
  if (!/\[(info|warning)\]/.test(logText)) {
    fail("the log has no levels");
  }
  log("the log: levels, each event once, no traceback");
  await clearNotifications();
  await view("Templates").locator(".monaco-list-row").first().waitFor();
}
