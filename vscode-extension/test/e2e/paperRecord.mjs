// One PDF of record per paper, on the launch's idea (sweep_), whose folder has the launch's
// <idea>.pdf:
// - edit -> save -> SyncTeX: the preview still shows the save's build (the PDF of record, whose
//   build time the page shows), not an older PDF;
// - a save that cannot build (an \input of a missing file: TeX itself stays on the server's
//   PATH, which the e2e cannot change for one build; the missing-tool path is
//   tests/lsp/test_pdf_record.py's) shows the banner naming the error with a link to its line, a
//   Problems entry, and keeps the PDF of record byte for byte;
// - Build Paper on a TeX that loops forever, cancelled from its notification: latexmk's
//   processes are gone soon after the click (the time is printed) and the PDF of record remains.
import { existsSync, readFileSync, readdirSync, readlinkSync, statSync } from "node:fs";
import { join } from "node:path";
import { fail, until } from "./support.mjs";

/** Live latexmk/pdflatex processes working in `folder` (their pid and name). */
function texProcesses(folder) {
  const found = [];
  for (const pid of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
      const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
      if (/^(pdflatex|latexmk)$/.test(comm) && state !== "Z") {
        if (readlinkSync(`/proc/${pid}/cwd`) === folder) {
          found.push(`${pid}:${comm}`);
        }
      }
    } catch {
      /* gone meanwhile, or not ours to read */
    }
  }
  return found;
}

export async function paperRecordChecks(t) {
  const { page, ws, log, screenshot, wb, figures } = t;
  const { runCommand, pick, findFrame, frameText, clearNotifications } = wb;
  const dir = join(ws, "results", "tiny");
  // The launch's idea: a later, cancelled launch leaves a folder without a PDF.
  const name = readdirSync(dir).find((n) => {
    const m = /^\d{8}_\d{6}_(sweep_.*)$/.exec(n);
    return m && existsSync(join(dir, n, `${m[1]}.pdf`));
  });
  if (!name) {
    fail(`no sweep_ idea folder with its PDF in ${dir}`);
  }
  const folder = join(dir, name);
  const latex = join(folder, "latex");
  const idea = name.replace(/^\d{8}_\d{6}_/, "");
  const record = join(folder, `${idea}.pdf`);
  const builtAt = async () => {
    const f = await findFrame("#pages");
    return f ? f.frame.evaluate(() => document.body.dataset.builtAt ?? "") : "";
  };
  // Node's mtimeMs loses the nanoseconds Python's st_mtime keeps: compared to the millisecond.
  const mtime = () => statSync(record).mtimeMs / 1000;
  const later = (a, b) => a - b > 0.001;

  // ---- edit -> save -> SyncTeX: the save's build stays in the preview ----
  await runCommand("View: Close All Editors");
  await page.keyboard.press("Control+P");
  await page.locator(".quick-input-widget input.input").fill(`${name}/latex/template.tex`);
  await pick(name); // the row of this idea's template.tex (another paper's may come first)
  const editor = page.locator(".editor-instance .monaco-editor").first();
  await editor.waitFor({ timeout: 30_000 });
  await runCommand("AI Scientist: Show in Paper Preview (SyncTeX)");
  await until("the idea's preview", 60_000, async () => (await builtAt()) !== "");
  await clearNotifications();
  const before = mtime();
  const tex = join(latex, "template.tex");
  // The cursor at the start of the saved file's line that starts with `prefix` (each step saves
  // before the next comes here), once the status bar says the cursor is there.
  const goTo = async (prefix) => {
    const line =
      readFileSync(tex, "utf8")
        .split("\n")
        .findIndex((l) => l.startsWith(prefix)) + 1;
    if (line < 1) {
      fail(`no line starting with ${prefix} in ${tex}`);
    }
    await editor.click();
    await page.keyboard.press("Control+G");
    await page.locator(".quick-input-widget input.input").fill(`:${line}`);
    await page.keyboard.press("Enter");
    await until(`the cursor on line ${line}`, 10_000, async () => {
      const at = await page
        .locator('.statusbar-item[id="status.editor.selection"]')
        .first()
        .innerText()
        .catch(() => "");
      return at.startsWith(`Ln ${line},`);
    });
    await page.keyboard.press("Home");
  };
  // Above \end{document}: what is typed there is in the PDF.
  const goToEnd = () => goTo("\\end{document}");
  await goToEnd();
  await page.keyboard.type("An edit saved by the end-to-end test.\n");
  await page.keyboard.press("Control+S");
  const saved = await until("the preview to show the save's build", 90_000, async () => {
    const b = Number(await builtAt());
    return later(b, before) ? b : undefined;
  });
  if (Math.abs(saved - mtime()) > 0.01) {
    fail(`the preview shows a build of ${saved}, the PDF of record is of ${mtime()}`);
  }
  await editor.click();
  await page.keyboard.press("Control+G");
  await page.locator(".quick-input-widget input.input").fill(":3");
  await page.keyboard.press("Enter");
  await runCommand("AI Scientist: Show in Paper Preview (SyncTeX)");
  await until("the SyncTeX mark", 30_000, () => findFrame(".synctex-mark"));
  const after = Number(await builtAt());
  if (after !== saved) {
    fail(`SyncTeX switched the preview from the save's build (${saved}) to another (${after})`);
  }
  log(`edit -> save -> SyncTeX: the preview kept the save's build (built at ${saved})`);

  // ---- a save that fails: banner, Problems entry, the PDF of record kept ----
  const good = readFileSync(record);
  await goToEnd();
  await page.keyboard.type("\\input{e2e-missing-file}\n");
  await page.keyboard.press("Control+S");
  const banner = await until("the failed build's banner", 90_000, async () => {
    const f = await findFrame("#banner:not([hidden])");
    return f ? frameText("#banner") : undefined;
  });
  if (!banner.includes("e2e-missing-file") || !/Open template\.tex:\d+/.test(banner)) {
    fail(`the banner does not name the error and its line: ${banner}`);
  }
  if (!readFileSync(record).equals(good)) {
    fail("a failed build changed the PDF of record");
  }
  if (Number(await builtAt()) !== saved) {
    fail(`a failed build changed the PDF shown: built at ${await builtAt()}, not ${saved}`);
  }
  const status = await frameText("#status");
  if (!status?.includes("older than the source")) {
    fail(`the status line does not say the PDF is older than the source: ${status}`);
  }
  await page.keyboard.press("Control+Shift+M");
  const problem = page.locator(".markers-panel .monaco-list-row", { hasText: "e2e-missing-file" });
  await problem.first().waitFor({ timeout: 30_000 });
  log(`failed save: banner "${banner}", a Problems entry, the PDF of record kept`);
  await screenshot("preview-failed-build");
  await page.keyboard.press("Control+Shift+M");

  // ---- Build Paper on a looping TeX, cancelled: latexmk gone, the PDF of record kept ----
  const selectLine = async (prefix) => {
    await goTo(prefix);
    await page.keyboard.press("Shift+End");
  };
  await selectLine("\\input{e2e-missing-file}");
  // No newline typed: Enter would accept the editor's word suggestion instead.
  await page.keyboard.type("\\def\\loopforever{\\loopforever}\\loopforever");
  await page.keyboard.press("Control+S");
  const previewBuild = await until("the preview's looping build", 60_000, () => {
    const p = texProcesses(latex);
    return p.some((x) => x.endsWith(":pdflatex")) ? p : undefined;
  });
  await editor.click();
  await runCommand("AI Scientist: Build Paper"); // the active editor's idea: no picker
  // The job stops the preview's build of the folder and runs its own latexmk.
  const jobBuild = await until("the job's own pdflatex", 60_000, () => {
    const p = texProcesses(latex).filter((x) => !previewBuild.includes(x));
    return p.some((x) => x.endsWith(":pdflatex")) ? p : undefined;
  });
  await runCommand("Notifications: Show Notifications");
  const progress = page
    .locator(".notification-list-item", { hasText: "Build the paper" })
    .first()
    .locator(".monaco-button", { hasText: "Cancel" })
    .first();
  await progress.waitFor({ state: "visible", timeout: 15_000 });
  const clicked = Date.now();
  await progress.click();
  // The job's processes only: the job's own writes to latex/ may start a new preview build.
  const goneMs = await until(
    "the job's latexmk and pdflatex to end",
    10_000,
    () =>
      texProcesses(latex).some((x) => jobBuild.includes(x)) ? undefined : Date.now() - clicked,
    5,
  );
  await page
    .locator(".notification-list-item", { hasText: "was cancelled" })
    .first()
    .waitFor({ state: "visible", timeout: 30_000 });
  const endedMs = Date.now() - clicked;
  if (!readFileSync(record).equals(good)) {
    fail("the cancelled build changed the PDF of record");
  }
  figures.push(
    `Cancel of Build Paper on a looping TeX: latexmk gone ${goneMs} ms after the click, the job's end shown after ${endedMs} ms`,
  );
  log(
    `cancelled Build Paper: latexmk gone after ${goneMs} ms, "was cancelled" after ${endedMs} ms`,
  );
  // Bounded at 4x what the click costs here (the cancel travels through the progress
  // notification and the language client); the kill itself is bounded at 0.5 s in
  // tests/paper/test_build_cancel.py.
  if (goneMs > 2000) {
    fail(`latexmk still ran ${goneMs} ms after Cancel`);
  }
  await clearNotifications();

  // ---- the paper back as it was: a good build, no banner ----
  await selectLine("\\def\\loopforever");
  await page.keyboard.press("Delete");
  await page.keyboard.press("Control+S");
  await until("a good build again", 90_000, async () => {
    const hidden = await findFrame("#banner[hidden]");
    return hidden && later(Number(await builtAt()), saved);
  });
  await clearNotifications();
}
