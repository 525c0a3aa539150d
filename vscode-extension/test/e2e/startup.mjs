// The start-up and the bad inputs: Create Template, a killed server restarted with a
// message, and interpreters that cannot serve: a missing file (refused before saving), no
// aisci (checked before saving: "Use It Anyway", then the error), a crash at every start,
// each error with Select Interpreter and Show Logs buttons; and a template with a syntax error:
// one problem at its line in the Problems panel, a failure that opens it.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fail, leftovers, until } from "./support.mjs";

export async function startupChecks(t) {
  const { ws, scratch, python: PYTHON, log, screenshot, wb } = t;
  const {
    runCommand,
    commandPick,
    answerInput,
    waitToast,
    toastText,
    viewRows,
    clearNotifications,
  } = wb;
  // Create Template: the scaffold via the CLI in the chosen interpreter, then in the view.
  await runCommand("AI Scientist: Create Template");
  // The name rule is the CLI's, answered by the server: a name the CLI refuses is refused in
  // the box, with the CLI's message, and the box stays open.
  await answerInput("My-Template");
  const badName = await until("the input box to refuse My-Template", 15_000, async () => {
    const text = await t.page
      .locator(".quick-input-widget .quick-input-message")
      .innerText()
      .catch(() => "");
    return text.includes("a template name must be snake_case") ? text : undefined;
  });
  log(`a template name the CLI refuses is refused in the box: ${badName}`);
  await answerInput("second_template");
  await until("the new template in the Templates view", 60_000, async () =>
    (await viewRows("Templates")).some((r) => r.includes("second_template")),
  );
  if (!existsSync(join(ws, "templates", "second_template", "experiment.py"))) {
    fail("Create Template made no templates/second_template/experiment.py");
  }
  log("created templates/second_template");
  await clearNotifications();

  // A crash of the running server: it is restarted, with a message, and answers again.
  const lsp = leftovers(scratch).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8")
        .split("\0")
        .join(" ")
        .includes("-m aisci lsp");
    } catch {
      return false;
    }
  });
  if (lsp.length !== 1) {
    fail(`expected one language server process, found ${lsp.length}`);
  }
  process.kill(lsp[0], "SIGKILL");
  const restarted = await waitToast("restarting it (1 of 3)", 30_000);
  if (!(await restarted.innerText()).includes("signal SIGKILL")) {
    fail(`the restart message does not say why: ${await restarted.innerText()}`);
  }
  log(`killed the server (pid ${lsp[0]}): ${await toastText(restarted)}`);
  await clearNotifications();
  await commandPick("AI Scientist: Check Template", "tiny");
  await waitToast(/Check Template: (The template passes the check|\d+ problem)/, 60_000);
  log("the restarted server answers");
  await clearNotifications();
  await brokenTemplate(t);

  // Bad interpreters, each chosen with "Select Python Interpreter" (a change of
  // aiScientist.python restarts the server): a missing file, a Python without aisci, and a
  // server that crashes at every start.
  const setPython = async (python) => {
    await commandPick("AI Scientist: Select Python Interpreter", "Enter interpreter path");
    await answerInput(python);
  };
  // A missing file is refused in the input box itself.
  await commandPick("AI Scientist: Select Python Interpreter", "Enter interpreter path");
  await wb.answerInput(join(scratch, "no-such-python"));
  const refusal = await until("the input box to refuse a missing file", 15_000, async () => {
    const text = await t.page
      .locator(".quick-input-widget .quick-input-message")
      .innerText()
      .catch(() => "");
    return text.includes("No file at") ? text : undefined;
  });
  log(`a missing interpreter is refused before saving: ${refusal}`);
  await t.page.keyboard.press("Escape");
  const bare = join(scratch, "bare-venv");
  const made = spawnSync("python3", ["-m", "venv", "--without-pip", bare], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (made.status !== 0) {
    fail(`could not make a bare venv: ${made.stderr}`);
  }
  const crashing = join(scratch, "crashing-python");
  writeFileSync(
    crashing,
    `#!/bin/sh\n# passes the import probe, dies as a server\nif [ "$1" = "-c" ]; then exec "${PYTHON}" "$@"; fi\n` +
      `echo "RuntimeError: simulated crash of the aisci server" >&2\nexit 3\n`,
    { mode: 0o755 },
  );
  for (const [python, expected] of [
    [
      join(bare, "bin", "python"),
      "The AI Scientist server cannot start: aisci is not installed in",
    ],
    [crashing, "crashed 4 times within 3 minutes"],
  ]) {
    await setPython(python);
    if (python.includes("bare-venv")) {
      // Checked before saving: a warning says what is wrong; saving it anyway is allowed.
      const warning = await waitToast(
        "Not saved yet: The AI Scientist server cannot start: aisci is not installed in",
        30_000,
      );
      await warning.locator(".monaco-button", { hasText: "Use It Anyway" }).click();
    }
    const t = await waitToast(expected, 60_000);
    const text = await toastText(t);
    for (const button of ["Select Interpreter", "Show Logs"]) {
      if (!(await t.locator(".monaco-button", { hasText: button }).count())) {
        fail(`the error "${text}" has no ${button} button`);
      }
    }
    log(`bad interpreter ${python}: ${text}`);
    if (expected.startsWith("crashed")) {
      if (
        !text.includes('last error: "RuntimeError: simulated crash of the aisci server"') ||
        !text.includes("exited with code 3")
      ) {
        fail(`the crash-loop message does not say why: ${text}`);
      }
      await screenshot("server-crash-loop");
    }
    await clearNotifications();
  }
}

/** A syntax error in experiment.py: Run Baseline fails once, in words, with "Open
 * experiment.py:N"; the Problems panel holds that one problem (not one per knob) at line N. */
async function brokenTemplate(t) {
  const { ws, log, screenshot, wb } = t;
  const { commandPick, waitToast, toastText, runCommand, clearNotifications } = wb;
  const file = join(ws, "templates", "second_template", "experiment.py");
  const good = readFileSync(file, "utf8");
  const line = good.replace(/\n$/, "").split("\n").length + 1;
  writeFileSync(file, `${good.replace(/\n$/, "")}\ndef broken(:\n`);
  try {
    await commandPick("AI Scientist: Run Baseline", "second_template");
    const failed = await waitToast("Run Baseline failed: Template second_template", 60_000);
    const text = await toastText(failed);
    if (
      !text.includes(`experiment.py:${line}: syntax error`) ||
      /aisci\.|aisci template/.test(text)
    ) {
      fail(`the failure of a broken template is not in the researcher's words: ${text}`);
    }
    const open = failed.locator(".monaco-button", { hasText: `Open experiment.py:${line}` });
    if (!(await open.count())) {
      fail(`the failure "${text}" has no "Open experiment.py:${line}" button`);
    }
    await open.first().click();
    await until(`the editor at experiment.py line ${line}`, 15_000, async () => {
      const tab = await t.page
        .locator(".tab.active")
        .first()
        .innerText()
        .catch(() => "");
      const at = await t.page
        .locator("#status\\.editor\\.selection")
        .innerText()
        .catch(() => "");
      return tab.includes("experiment.py") && at.includes(`Ln ${line},`);
    });
    await runCommand("View: Focus Problems (Errors, Warnings, Infos)");
    const rows = () => t.page.locator(".markers-panel .monaco-list-row").allInnerTexts();
    const shown = await until("the syntax error in the Problems panel", 30_000, async () => {
      const all = await rows();
      return all.some((r) => r.includes("syntax error") && r.includes(`Ln ${line}`))
        ? all
        : undefined;
    });
    const ours = shown.filter((r) => /syntax error|has no top-level|knob \d/.test(r));
    if (ours.length !== 1) {
      fail(`one syntax error should be one problem, the Problems panel has: ${ours.join(" | ")}`);
    }
    log(`a broken template is one problem in the Problems panel: ${ours[0].replace(/\s+/g, " ")}`);
    await screenshot("template-problem");
  } finally {
    writeFileSync(file, good);
  }
  await clearNotifications();
  // Checked again once fixed: its problem leaves the panel.
  await commandPick("AI Scientist: Check Template", "second_template");
  await until("the fixed template's problem to leave the Problems panel", 30_000, async () =>
    (await t.page.locator(".markers-panel .monaco-list-row").allInnerTexts()).every(
      (r) => !r.includes("syntax error"),
    ),
  );
  await clearNotifications();
}
