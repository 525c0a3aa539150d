// Research from a topic in the editor (issue 25), with a model: a scripted OpenAI-compatible
// server on 127.0.0.1 (fake_model.py, spawned with the aisci Python; every answer is one draft
// that reports the example topic's metric). "New Research from Topic…" asks a name and opens
// the topic written from the example; then the Settings editor names the model
// (aiScientist.model "openai/fake-model", User) and the server (aiScientist.apiBase, Remote:
// machine-overridable; a custom server gets the placeholder key, so no key is needed); the
// editor title's "Draft Template from Topic" drafts: its progress notification, then
// (review-edits) one folder proposal, its files listed by "Files…" and plot.py opened as a
// diff, accepted with "Accept All"; the drafted message, the Templates view lists the template
// and its folder holds experiment.py and topic.md. The settings are cleared again, the editors
// closed, the notifications cleared and the fake server stopped, whatever happened.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { fail, until } from "./support.mjs";

const FAKE = join(dirname(fileURLToPath(import.meta.url)), "fake_model.py");
const NAME = "moons_study";

/** The fake model's process and its base URL (its first line of output). */
async function startFakeModel(python, log) {
  const child = spawn(python, [FAKE], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const url = await until("the fake model server's URL", 30_000, async () => {
    if (child.exitCode !== null) {
      fail(`the fake model server (${FAKE}) exited with ${child.exitCode}: ${err}`);
    }
    return /^http:\/\/127\.0\.0\.1:\d+\/v1$/m.exec(out)?.[0];
  }).catch((e) => {
    child.kill("SIGTERM");
    throw e;
  });
  log(`topic: fake model server at ${url} (pid ${child.pid})`);
  return { child, url };
}

/** The value of `id` in the settings file of a scope, undefined when it sets none. */
function saved(file, id) {
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8"))[id] : undefined;
}

/**
 * Sets `id` to `value` in VS Code's Settings editor, on its `tab` ("User"; "Remote" for the
 * machine-overridable settings, which code-server keeps in `file`: Machine/settings.json), as
 * a person does: the workbench writes the file and the extension host hears of the change
 * (code-server does not watch its settings files for changes made behind its back). Waits
 * until the file holds the value (an empty value: none, or "").
 */
async function setSetting(t, tab, id, value, file) {
  const { page, wb, log } = t;
  await wb.runCommand("Preferences: Open Settings (UI)");
  const search = page.locator(".settings-editor .suggest-input-container .monaco-editor").first();
  await search.waitFor({ state: "visible", timeout: 15_000 });
  await search.click();
  await page.keyboard.press("Control+A");
  await page.keyboard.type(`@id:${id}`);
  await page
    .locator(".settings-editor .settings-tabs-widget .action-label", { hasText: tab })
    .first()
    .click();
  const input = page
    .locator(`.settings-editor [data-key="${id}"] .setting-item-control input`)
    .first();
  await input.waitFor({ state: "visible", timeout: 15_000 });
  await input.fill(value);
  await until(`${id} = "${value}" in ${file}`, 15_000, async () =>
    value ? saved(file, id) === value : !saved(file, id),
  );
  log(`topic: ${id} = "${value}" (${tab} settings)`);
  const editor = page.locator(".tab", { hasText: /^Settings/ }).first();
  await editor.locator(".tab-actions .action-label").click();
  await until("the Settings editor to close", 10_000, async () => (await editor.count()) === 0);
}

export async function topicChecks(t) {
  const { page, ws, python, userData, log, screenshot, wb } = t;
  const { runCommand, answerInput, pick, waitToast, toast, toastText, viewRows } = wb;
  const userFile = join(userData, "User", "settings.json");
  const machineFile = join(userData, "Machine", "settings.json");
  const fake = await startFakeModel(python, log);
  try {
    await runCommand("View: Close All Editors");
    await wb.clearNotifications();

    // New Research from Topic…: a name, then the topic file written from the example opens.
    await runCommand("AI Scientist: New Research from Topic");
    await answerInput(NAME);
    const topic = join(ws, "topics", `${NAME}.md`);
    await until(
      `the topic ${NAME}.md open in an editor`,
      30_000,
      async () =>
        (await page.locator(".tab.active", { hasText: `${NAME}.md` }).count()) > 0 &&
        existsSync(topic),
    );
    const offer = await waitToast("Edit the topic, then Draft Template", 15_000);
    log(`topic: wrote topics/${NAME}.md; "${await toastText(offer)}"`);
    await screenshot("topic-file");
    await wb.clearNotifications();

    // The model, named in the settings once the server runs (it has just written the topic):
    // a change made while it starts would reach only its next start.
    await setSetting(t, "User", "aiScientist.model", "openai/fake-model", userFile);
    await setSetting(t, "Remote", "aiScientist.apiBase", fake.url, machineFile);
    await page
      .locator(".tab", { hasText: `${NAME}.md` })
      .first()
      .click();

    // Draft Template from Topic, from the topic editor's title bar.
    const button = page
      .locator('.editor-actions a.action-label[aria-label^="Draft Template from Topic"]')
      .first();
    await button.waitFor({ state: "visible", timeout: 15_000 });
    await button.click();
    const progress = await waitToast(`Draft of ${NAME}`, 60_000);
    if (!(await progress.locator(".monaco-button", { hasText: "Cancel" }).count())) {
      fail("the drafting's progress notification has no Cancel button");
    }
    log(`topic: progress "${await toastText(progress)}"`);
    await screenshot("topic-draft-progress");

    // Under review-edits: one proposal for the whole folder, experiment.py's diff open first.
    const proposal = await waitToast(`Proposed new folder ${NAME}/`, 120_000);
    const proposalText = await toastText(proposal);
    const files = /\((\d+) files, drafting\)/.exec(proposalText);
    if (!files || Number(files[1]) < 5) {
      fail(`the folder proposal does not say its files and stage: ${proposalText}`);
    }
    log(`topic: progress "${await toastText(progress)}"`);
    log(`topic: proposal "${proposalText}"`);
    await page
      .locator(".tab", { hasText: `experiment.py: current ↔ proposed (${NAME}/, new)` })
      .first()
      .waitFor({ state: "visible", timeout: 30_000 });
    await screenshot("topic-folder-proposal");

    // Files…: a quick pick of the folder's files; plot.py opens as its own diff.
    await proposal.locator("a", { hasText: /^Files…$/ }).click();
    const filter = page.locator(
      '.quick-input-widget input[placeholder^="Which file of the proposed folder?"]',
    );
    await filter.waitFor({ state: "visible", timeout: 15_000 });
    const rows = page.locator(".quick-input-widget .monaco-list-row");
    const shown = (await rows.allInnerTexts()).map((r) => r.split(/\d[\d,]* bytes/)[0]);
    log(`topic: Files… shows ${shown.join(", ")}, …`);
    for (const file of ["experiment.py", "topic.md", "plot.py"]) {
      await filter.fill(file);
      await until(`${file} among the proposed folder's files`, 10_000, async () =>
        (await rows.allInnerTexts()).some((r) => r.startsWith(file)),
      );
    }
    await pick("plot.py");
    const plotTab = page
      .locator(".tab.active", { hasText: `plot.py: current ↔ proposed (${NAME}/, new)` })
      .first();
    await plotTab.waitFor({ state: "visible", timeout: 15_000 });
    await page.locator(".monaco-diff-editor").first().waitFor({ timeout: 15_000 });
    await screenshot("topic-file-diff");

    // Accept All: the template is written, the drafting ends with one message.
    await proposal.locator("a", { hasText: /^Accept All$/ }).click();
    await until("the accepted folder proposal's notification to close", 15_000, async () => {
      const texts = await page
        .locator(".notifications-toasts .notification-toast .notification-list-item-message")
        .allInnerTexts();
      return !texts.includes(proposalText);
    });
    const drafted = await waitToast(`Template ${NAME} drafted from ${NAME}.md`, 60_000);
    log(`topic: ${await toastText(drafted)}`);
    await until(
      "the drafting's progress notification to close",
      15_000,
      async () => (await toast(`Draft of ${NAME}`).count()) === 0,
    );
    await until(`the Templates view to list ${NAME}`, 30_000, async () =>
      (await viewRows("Templates")).some((r) => r.includes(NAME)),
    );
    const folder = join(ws, "templates", NAME);
    for (const file of ["experiment.py", "topic.md"]) {
      if (!existsSync(join(folder, file))) {
        fail(`the accepted template has no ${file} in ${folder}`);
      }
    }
    if (!readFileSync(join(folder, "experiment.py"), "utf8").includes('"val_acc"')) {
      fail(`templates/${NAME}/experiment.py is not the drafted one (no "val_acc")`);
    }
    await screenshot("topic-template");
    log(`topic: templates/${NAME} holds experiment.py and topic.md; the Templates view lists it`);
    await restore(t, userFile, machineFile);
  } catch (e) {
    await screenshot("topic-failure").catch(() => undefined);
    throw e;
  } finally {
    fake.child.kill("SIGTERM");
    if (saved(userFile, "aiScientist.model") || saved(machineFile, "aiScientist.apiBase")) {
      await restore(t, userFile, machineFile).catch((e) => log(`topic: ${e.message}`));
    }
    await runCommand("View: Close All Editors").catch(() => undefined);
    await wb.clearNotifications().catch(() => undefined);
  }
}

/** No model and no API base again, as the next steps expect. */
async function restore(t, userFile, machineFile) {
  await setSetting(t, "User", "aiScientist.model", "", userFile);
  await setSetting(t, "Remote", "aiScientist.apiBase", "", machineFile);
}
