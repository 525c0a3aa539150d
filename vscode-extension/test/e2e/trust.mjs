// The first minutes in an untrusted workspace: the activation finds no Python (a missing
// user setting) and says so in the side bar, without a pop-up; the workspace's own
// aiScientist.python (a hostile script) is never run; with a good user setting the views fill
// read-only (Restricted Mode) and a command says it runs nothing; trusting the workspace
// restarts the server, whose workspace setting now wins and fails, and "Select Python
// Interpreter" replaces that workspace value (it says where it wrote).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fail, until } from "./support.mjs";

export async function trustChecks(t) {
  const { page, ws, python, hostileMark, log, screenshot, wb } = t;
  const {
    runCommand,
    pick,
    commandPick,
    answerInput,
    waitToast,
    view,
    viewRows,
    clearNotifications,
  } = wb;
  const toasts = page.locator(".notifications-toasts .notification-toast");

  // No Python: the side bar says why; no pop-up.
  const message = await until("the side bar to say that no Python was found", 60_000, async () => {
    const text = await view("Templates")
      .locator(".message")
      .first()
      .innerText()
      .catch(() => "");
    return /not running: The setting aiScientist.python is ".*no-such-python", and no file is there/.test(
      text,
    )
      ? text
      : undefined;
  });
  await until("the failed server's side bar to offer Select Python Interpreter", 15_000, async () =>
    (await viewRows("Templates")).some((r) => r.includes("Select Python Interpreter")),
  );
  if ((await toasts.count()) > 0) {
    fail(
      `the activation without Python showed a pop-up: ${(await toasts.allInnerTexts()).join(" | ")}`,
    );
  }
  log(`no Python at activation: side bar says "${message.slice(0, 120)}…", no pop-up`);
  await screenshot("no-python-side-bar");

  // A good interpreter, chosen in the picker: written to the user settings (the workspace's
  // own value does not count here); the server starts restricted; the views fill, read-only.
  await commandPick("AI Scientist: Select Python Interpreter", "Enter interpreter path");
  await answerInput(python);
  await waitToast(
    "in your user settings (this workspace is not trusted); restarting the server",
    30_000,
  );
  // Once restarted, it says which Python serves now (any change of aiScientist.python does).
  await waitToast(`aiScientist.python changed: the AI Scientist server now runs ${python}`, 60_000);
  await until("the Templates view to list tiny (Restricted Mode)", 60_000, async () =>
    (await viewRows("Templates")).some((r) => r.includes("tiny")),
  );
  const restricted = await view("Templates").locator(".message").first().innerText();
  if (!restricted.startsWith("Restricted Mode:")) {
    fail(`the views do not say Restricted Mode: ${restricted}`);
  }
  await runCommand("AI Scientist: Run Baseline");
  await waitToast("Run Baseline did not run: this workspace is not trusted", 30_000);
  if (existsSync(hostileMark)) {
    fail("the untrusted workspace's aiScientist.python was run");
  }
  if (existsSync(join(ws, "results"))) {
    fail("something ran in the untrusted workspace (results/ exists)");
  }
  log(
    "Restricted Mode: views filled read-only, Run Baseline refused, the workspace's python never ran",
  );
  await screenshot("restricted-mode");
  await clearNotifications();

  // Trust the workspace: the server restarts, now with the workspace's (failing) setting.
  await runCommand("Workspaces: Manage Workspace Trust");
  const trust = page
    .locator(".workspace-trust-editor .monaco-button", { hasText: /^Trust/ })
    .first();
  await trust.waitFor({ state: "visible", timeout: 30_000 });
  await trust.click();
  await waitToast("hostile-python", 60_000);
  log("trusted: the workspace's aiScientist.python now counts (and fails)");
  await runCommand("View: Close All Editors");
  await clearNotifications();

  // Select Python Interpreter writes where the winning value is: the workspace settings.
  await runCommand("AI Scientist: Select Python Interpreter");
  const row = page
    .locator(".quick-input-widget .monaco-list-row", { hasText: "python3 on PATH" })
    .first();
  await row.waitFor({ state: "visible", timeout: 30_000 });
  await pick("Enter interpreter path");
  await answerInput(python);
  await waitToast(
    "in the workspace settings (.vscode/settings.json); restarting the server",
    30_000,
  );
  const saved = JSON.parse(readFileSync(join(ws, ".vscode", "settings.json"), "utf8"))[
    "aiScientist.python"
  ];
  if (saved !== python) {
    fail(`Select Python Interpreter did not replace the workspace value: ${saved}`);
  }
  await until(
    "the server to run again",
    60_000,
    async () =>
      !(await view("Templates").locator(".message").count()) ||
      !(await view("Templates").locator(".message").first().isVisible()),
  );
  log("Select Python Interpreter replaced the workspace's value and said so");
  await clearNotifications();
}
