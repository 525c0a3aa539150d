// The research cycle through the editor: Run Baseline and Launch from the palette (the
// outcome's next steps are buttons; a job shows a cancellable progress notification and the
// status bar names its stage), one proposal accepted from its notification (the diff opened at
// the first change; the notification closes once answered), one rejected with a reason, the
// rest accepted from the diff editor's title; the views, the results page, the paper preview (pdf.js drew a page,
// its CSP holds, Draft next section), the cost ledger, a missing PDF and a rebuild on
// aisci/previewReady; while a run trains, its own progress report (step of total) in the
// notification and the status bar; a cancelled run keeps its row in the Runs view. `t` carries
// the page, the folders, the logger and the helpers.
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fail, until } from "./support.mjs";

// Where the scaffold's experiment.py reports its progress (server/aisci/scaffold/experiment.py).
const REPORT = '            report_progress(cfg, seed * cfg.steps + step + 1, {"val_loss": val})\n';

/** The experiment with a pause after each of its 50 progress reports: a run that lasts. */
function slowed(source, seconds) {
  if (!source.includes(REPORT)) {
    fail("the scaffold's experiment.py no longer reports its progress where the e2e expects");
  }
  return source.replace(
    REPORT,
    `${REPORT}            time.sleep(${seconds})  # e2e: a run to watch\n`,
  );
}

function ideaFolderName(ws) {
  const dir = join(ws, "results", "tiny");
  return readdirSync(dir).find((n) => /^\d{8}_\d{6}_/.test(n));
}

export async function researchCycle(t) {
  const { page, ws, consoleErrors, log, screenshot, wb } = t;
  const {
    commandPick,
    answerInput,
    toast,
    waitToast,
    toastText,
    view,
    viewRows,
    errorsShown,
    clearNotifications,
    findFrame,
    frameText,
  } = wb;

  // Run Baseline from the palette.
  await commandPick("AI Scientist: Run Baseline", "tiny");
  const baselineDone = await waitToast(/Baseline (done|reused)/, 90_000);
  if (!(await baselineDone.locator(".monaco-button", { hasText: /^Launch$/ }).count())) {
    fail("the baseline's outcome has no Launch button (next steps are buttons)");
  }
  await until("the baseline in the Runs view", 30_000, async () =>
    (await viewRows("Runs")).some((r) => r.includes("baseline (smoke)")),
  );
  await screenshot("baseline-done");
  await clearNotifications();

  // Launch: one idea; the first proposal accepted from its notification. Its runs pause 0.2 s at
  // each of their 50 progress reports (about 10 s a run), so their progress can be watched;
  // the template is restored when the launch has finished.
  const tinyExperiment = join(ws, "templates", "tiny", "experiment.py");
  const fastSource = readFileSync(tinyExperiment, "utf8");
  writeFileSync(tinyExperiment, slowed(fastSource, 0.2));
  await commandPick("AI Scientist: Launch", "tiny");
  await answerInput("1");
  const first = await waitToast("Proposed edit to", 120_000);
  const firstText = await toastText(first);
  await page.locator(".monaco-diff-editor").first().waitFor({ timeout: 30_000 });
  // The job's progress: a notification with Cancel, and the status bar naming the stage now.
  const progress = await waitToast("Launch of tiny", 30_000);
  if (!(await progress.locator(".monaco-button", { hasText: "Cancel" }).count())) {
    fail("the launch's progress notification has no Cancel button");
  }
  const status = page.locator('.statusbar-item[id$="aiScientist.status"]').first();
  const statusText = await until("the status bar to name the stage", 15_000, async () => {
    const text = await status.innerText();
    return /experiments/.test(text) ? text : undefined;
  });
  log(
    `progress notification "${(await progress.innerText()).split("\n")[0]}"; status bar "${statusText}"`,
  );
  // The diff opens at the first change (LEARNING_RATE or DEGREE, lines 17-18), not at line 1.
  const where = await until("the diff editor's cursor at the change", 15_000, async () => {
    const text = await page
      .locator('.statusbar-item[id="status.editor.selection"]')
      .first()
      .innerText()
      .catch(() => "");
    return /Ln 1[78],/.test(text) ? text : undefined;
  });
  log(`the diff opened at the first change: ${where}`);
  await screenshot("proposal-diff");
  await first.locator("a", { hasText: /^Accept$/ }).click();
  await until("the answered proposal's notification to close", 15_000, async () => {
    const texts = await page
      .locator(".notifications-toasts .notification-toast .notification-list-item-message")
      .allInnerTexts();
    return !texts.includes(firstText);
  });
  log(`accepted from the notification (which closed): ${firstText}`);

  // While run_1 trains (about 10 s; its first report shows within about 2 s): "run 1 of N" and
  // the step count of the run's own progress.json, in the notification and the status bar.
  const training = /run 1 of up to \d+ · step [\d,]+\/500 · \d+:\d\d elapsed/;
  const seenTraining = {};
  await until("run_1's own progress in the notification and the status bar", 30_000, async () => {
    const note = (await progress.innerText().catch(() => "")).replace(/\s+/g, " ");
    const bar = await status.innerText().catch(() => "");
    seenTraining.note ??= training.test(note) ? note : undefined;
    seenTraining.bar ??= training.test(bar) ? bar : undefined;
    return seenTraining.note && seenTraining.bar;
  });
  log(`while run_1 trains: notification "${seenTraining.note}"; status bar "${seenTraining.bar}"`);
  await screenshot("run-progress");

  // The second proposal rejected with a reason.
  const second = await until("a second proposal", 120_000, async () => {
    const t = toast("Proposed edit to").first();
    if (!(await t.isVisible())) {
      return undefined;
    }
    const text = await toastText(t);
    return text !== firstText ? t : undefined;
  });
  const secondText = await toastText(second);
  await second.locator("a", { hasText: /^Reject$/ }).click();
  await answerInput("e2e: keep this constant, try another value");
  log(`rejected: ${secondText}`);

  // The rest accepted from the diff editor's title, until the launch reports.
  let accepted = 1;
  const acceptAction = page
    .locator('.editor-actions a.action-label[aria-label^="Accept Proposed Edit"]')
    .first();
  const finished = toast("Launch finished").first();
  const activeDiff = page.locator(".tab.active", { hasText: "current ↔ proposed" }).first();
  for (let i = 0; i < 60; i++) {
    const next = await until("the next proposal or the end of the launch", 120_000, async () => {
      if (await finished.isVisible()) {
        return "finished";
      }
      if ((await errorsShown()) > 0) {
        return "error";
      }
      return (await acceptAction.isVisible()) ? "proposal" : undefined;
    });
    if (next === "finished") {
      break;
    }
    if (next === "error") {
      await screenshot("error");
      const texts = await page.locator(".notifications-toasts .notification-toast").allInnerTexts();
      fail(`an error notification appeared: ${texts.join(" | ")}`);
    }
    if (accepted === 4) {
      await screenshot("proposal-plot-or-paper");
    }
    const notice = toast("Proposed edit to").first();
    const noticeText = (await notice.isVisible()) ? await toastText(notice) : undefined;
    const reviewed = await activeDiff.innerText();
    await acceptAction.click();
    accepted++;
    // The diff closes when the answer is sent; wait for that before looking for the next one,
    // whose diff can open at once (a section drafted without a model): each names its edit.
    await until(
      `the reviewed diff (${reviewed}) to close`,
      15_000,
      async () => {
        if ((await finished.isVisible()) || !(await acceptAction.isVisible())) {
          return true;
        }
        return !(
          await page.locator(".tab", { hasText: "current ↔ proposed" }).allInnerTexts()
        ).includes(reviewed);
      },
      100,
    );
    if (accepted === 3 && noticeText) {
      // Answered from the diff's title: its notification closes too (no live-looking Accept left).
      await until(
        "the notification of the proposal answered from the diff to close",
        15_000,
        async () => {
          const texts = await page
            .locator(".notifications-toasts .notification-toast .notification-list-item-message")
            .allInnerTexts();
          return !texts.includes(noticeText);
        },
      );
      log(`answered from the diff editor; its notification closed: ${noticeText}`);
    }
  }
  // Said once in the command's words: never "Launch: Launch finished".
  const said = await toastText(finished);
  if (!said.startsWith("Launch finished") || /aisci\./.test(said)) {
    fail(`the launch's outcome is not said once, in words: ${said}`);
  }
  log(`launch finished; ${accepted} proposal(s) accepted, 1 rejected`);
  writeFileSync(tinyExperiment, fastSource);
  await screenshot("launch-finished");
  await clearNotifications();

  // Ideas, runs and the paper in the views.
  const ideas = await until("an idea in the Ideas view", 30_000, async () => {
    const rows = await viewRows("Ideas");
    return rows.some((r) => /sweep_/.test(r)) ? rows : undefined;
  });
  const runs = await until("runs in the Runs view", 30_000, async () => {
    const rows = await viewRows("Runs");
    return rows.some((r) => r.startsWith("run_1")) ? rows : undefined;
  });
  const papers = await until("the paper in the Papers view", 30_000, async () => {
    const rows = await viewRows("Papers");
    // A model's review shows its score; the sweep scientist's checklist its count of checks.
    return rows.some((r) => /Overall \d+\/10|checks \d+\/\d+ passed/.test(r)) ? rows : undefined;
  });
  log(`ideas: ${JSON.stringify(ideas)}`);
  log(`runs: ${JSON.stringify(runs)}`);
  log(`papers: ${JSON.stringify(papers)}`);
  await view("Ideas").locator(".monaco-list-row", { hasText: "sweep_" }).first().hover();
  await page
    .locator(".monaco-hover, .workbench-hover")
    .first()
    .waitFor({ timeout: 10_000 })
    .catch(() => log("no idea tooltip showed"));
  await screenshot("views");

  // The results webview of the idea folder.
  await commandPick("AI Scientist: Show Results", "sweep_");
  const table = await until("the results table", 30_000, () => findFrame("table"));
  log(`results table ${table.width}x${table.height}`);
  await screenshot("results");

  // The paper preview: pdf.js must have drawn a page into a canvas.
  await commandPick("AI Scientist: Open Paper Preview", "sweep_");
  const canvas = await until("a rendered PDF page in the preview", 60_000, async () => {
    const c = await findFrame("canvas.page");
    return c && c.width > 100 && c.height > 100 ? c : undefined;
  });
  const inked = await canvas.frame.evaluate(() => {
    const c = document.querySelector("canvas.page");
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let dark = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] < 128 && d[i + 3] > 0) {
        dark++;
      }
    }
    return dark;
  });
  log(`PDF page rendered at ${canvas.width}x${canvas.height}, ${inked} dark pixels`);
  if (inked < 500) {
    fail(`the PDF canvas is blank (${inked} dark pixels)`);
  }
  await screenshot("paper-preview");

  // The preview's policy refuses an inline script (and the console listener sees it).
  const before = consoleErrors.length;
  const ran = await canvas.frame.evaluate(() => {
    window.__inlineRan = false;
    const script = document.createElement("script");
    script.textContent = "window.__inlineRan = true;";
    document.body.appendChild(script);
    return window.__inlineRan;
  });
  await until("the CSP violation report", 10_000, async () => consoleErrors.length > before);
  if (ran) {
    fail("an inline script ran in the paper preview: its Content Security Policy does not hold");
  }
  log(
    `the preview's CSP refused an inline script: ${consoleErrors.splice(before).join(" | ").slice(0, 160)}`,
  );

  // "Draft next section" from the preview: the launch drafted every section, so it says so.
  await canvas.frame.click("#draft-next");
  await waitToast(`Every section of ${ideaFolderName(ws)} is drafted.`, 30_000);
  log("draft next section: every section is drafted");
  await clearNotifications();

  // The status bar's cost opens the cost ledger.
  await page.locator(".statusbar-item", { hasText: "$0.00" }).first().click();
  await page
    .locator(".tab.active", { hasText: "AI Scientist cost ledger" })
    .waitFor({ timeout: 30_000 });
  await until(
    "the ledger's text",
    10_000,
    async () =>
      (await page.locator(".monaco-editor .view-lines", { hasText: "Total so far" }).count()) > 0,
  );
  log("the cost ledger opened from the status bar");

  // A missing PDF: the preview says which build to run. Then an edit of the .tex on disk
  // makes the server rebuild it (its watcher), and aisci/previewReady refreshes the preview.
  const ideaFolder = await until("the idea folder", 5_000, async () => {
    const dir = join(ws, "results", "tiny");
    const name = readdirSync(dir).find((n) => /^\d{8}_\d{6}_/.test(n));
    return name ? join(dir, name) : undefined;
  });
  const idea = ideaFolder
    .split("/")
    .pop()
    .replace(/^\d{8}_\d{6}_/, "");
  for (const pdf of [join(ideaFolder, `${idea}.pdf`), join(ideaFolder, "latex", "template.pdf")]) {
    rmSync(pdf, { force: true });
  }
  await commandPick("AI Scientist: Open Paper Preview", "sweep_");
  const missing = await until("the missing-PDF message", 30_000, () => frameText(".missing"));
  log(`preview says: ${missing}`);
  if (
    !missing.includes(`No PDF for ${idea} yet`) ||
    !missing.includes("AI Scientist: Build Paper")
  ) {
    fail(`the missing-PDF message does not say which build to run: ${missing}`);
  }
  await screenshot("preview-missing-pdf");
  const tex = join(ideaFolder, "latex", "template.tex");
  writeFileSync(tex, readFileSync(tex, "utf8") + "\n% edited by the end-to-end test\n");
  await until("the preview to render the rebuilt PDF", 90_000, async () => {
    const c = await findFrame("canvas.page");
    return c && c.width > 100 ? c : undefined;
  });
  log("the preview re-rendered after aisci/previewReady");
  await clearNotifications();
  await cancelledRunKeepsItsRow(t);
}

/**
 * A second template whose baseline run lasts (2 s at each of its 50 progress reports): while it
 * trains, the Runs view lists it running; cancelled from its notification, it keeps its row,
 * marked cancelled, with its folder and logs on disk. The template and its results are removed
 * afterwards, so the rest of the test sees the one template it expects.
 */
async function cancelledRunKeepsItsRow(t) {
  const { ws, log, screenshot, wb } = t;
  const { commandPick, waitToast, viewRows, clearNotifications } = wb;
  const template = join(ws, "templates", "slowfit");
  const results = join(ws, "results", "slowfit");
  cpSync(join(ws, "templates", "tiny"), template, { recursive: true });
  const experiment = join(template, "experiment.py");
  writeFileSync(experiment, slowed(readFileSync(experiment, "utf8"), 2));
  try {
    await commandPick("AI Scientist: Run Baseline", "slowfit");
    const progress = await waitToast("Baseline of slowfit", 60_000);
    const note = await until("the baseline run's own step count", 60_000, async () => {
      const text = (await progress.innerText()).replace(/\s+/g, " ");
      return /run_0 \(baseline\) · step [\d,]+\/500/.test(text) ? text : undefined;
    });
    // "slowfit" sorts before "tiny": its rows are the first of the Runs view.
    const running = await until("the running run in the Runs view", 30_000, async () => {
      const rows = await viewRows("Runs");
      return rows.some((r) => /run_0 \(baseline\)[\s\S]*running/.test(r)) ? rows : undefined;
    });
    log(`while the baseline trains: "${note}"; Runs: ${JSON.stringify(running.slice(0, 4))}`);
    await progress.locator(".monaco-button", { hasText: "Cancel" }).click();
    const rows = await until("the cancelled run's row", 30_000, async () => {
      const now = await viewRows("Runs");
      return now.some((r) => /run_0 \(baseline\)[\s\S]*cancelled/.test(r)) ? now : undefined;
    });
    if (!existsSync(join(results, "baseline_smoke", "run_0", "stdout.log"))) {
      fail("the cancelled run's logs are gone");
    }
    log(`cancelled; its row stays: ${JSON.stringify(rows.slice(0, 4))}`);
    await screenshot("cancelled-run");
  } finally {
    rmSync(template, { recursive: true, force: true });
    rmSync(results, { recursive: true, force: true });
    await clearNotifications();
  }
}
