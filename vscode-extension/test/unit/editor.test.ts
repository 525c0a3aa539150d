import assert from "node:assert/strict";
import { test } from "node:test";
import * as vscode from "vscode";
import { interpreterItems, pickInterpreterScope } from "../../src/interpreterPick";
import { reportText } from "../../src/progress";
import { firstChangedLine } from "../../src/proposalDecision";
import { runningText, updateStages } from "../../src/status";
import { commandTitle, nextSteps } from "../../src/summary";
import { parseSynctex } from "../../src/synctex";
import { notices } from "../../src/views/notice";

test("the status bar names the stage running now, not one that finished", () => {
  let stack: string[] = [];
  stack = updateStages(stack, { stage: "launch", state: "started" });
  stack = updateStages(stack, { stage: "novelty", state: "started" });
  stack = updateStages(stack, { stage: "novelty", state: "finished" });
  stack = updateStages(stack, { stage: "experiments", state: "started" });
  assert.deepEqual(stack, ["launch", "experiments"]);
  assert.equal(
    runningText(stack.at(-1), "run 2 of 5 · starting (sandbox none)"),
    "experiments: run 2 of 5 · starting (sandbox none)",
  );
  stack = updateStages(stack, { stage: "experiments", state: "failed" });
  assert.equal(runningText(stack.at(-1), undefined), "launch");
  assert.equal(runningText(undefined, "baseline: run_0 running"), "baseline");
});

test("progress text carries the percentage when the stage knows it", () => {
  assert.equal(reportText("novelty: idea_a", 50), "novelty: idea_a (50%)");
  assert.equal(reportText("plots", undefined), "plots");
});

test("the cancel picker and the summaries name commands in words", () => {
  assert.equal(commandTitle("aisci.runBaseline"), "Run Baseline");
  assert.equal(commandTitle("aisci.unknown"), "aisci.unknown");
});

test("next steps are buttons with their target; a failed result has none", () => {
  assert.deepEqual(
    nextSteps("aisci.runBaseline", { ok: true, folder: "/r/b" }, { template: "/t/tiny" })[0],
    {
      label: "Launch",
      command: "aiScientist.launch",
      arg: { template: "/t/tiny" },
    },
  );
  const launch = nextSteps("aisci.launch", {
    ok: true,
    ideas: [{ idea: "x", folder: "/r/x", ok: true }],
  });
  assert.deepEqual(
    launch.map((s) => s.label),
    ["Show Results", "Open Paper Preview"],
  );
  assert.deepEqual(launch[1].arg, { folder: "/r/x" });
  assert.deepEqual(nextSteps("aisci.runExperiments", { ok: false, folder: "/r/x" }), []);
});

test("the interpreter is written where the winning value lives", () => {
  assert.equal(
    pickInterpreterScope({ globalValue: "/u", workspaceValue: "/bad" }).target,
    vscode.ConfigurationTarget.Workspace,
  );
  assert.match(pickInterpreterScope({ workspaceValue: "/bad" }).where, /workspace settings/);
  assert.equal(
    pickInterpreterScope({ workspaceFolderValue: "/f", workspaceValue: "/w" }).target,
    vscode.ConfigurationTarget.WorkspaceFolder,
  );
  assert.equal(
    pickInterpreterScope({ globalValue: "/u" }).target,
    vscode.ConfigurationTarget.Global,
  );
  assert.equal(pickInterpreterScope(undefined).target, vscode.ConfigurationTarget.Global);
  assert.equal(
    pickInterpreterScope({ workspaceValue: "/hostile" }, false).target,
    vscode.ConfigurationTarget.Global,
    "untrusted: only the user's settings",
  );
});

test("found interpreters: the .venv, the Python extension's choice, python3 on PATH, each once", async () => {
  const found = await interpreterItems({
    folders: ["/ws"],
    exists: (f) => f === "/ws/.venv/bin/python",
    pythonExtension: () => Promise.resolve("/ws/.venv/bin/python"),
    which: () => Promise.resolve("/usr/bin/python3"),
  });
  assert.deepEqual(found, [
    { path: "/ws/.venv/bin/python", source: "the workspace's .venv" },
    { path: "/usr/bin/python3", source: "python3 on PATH" },
  ]);
});

test("the diff opens at the first changed line", () => {
  assert.equal(firstChangedLine("a\nb\nc\n", "a\nB\nc\n"), 1);
  assert.equal(firstChangedLine("a\r\nb\r\n", "a\nb\nc\n"), 2);
  assert.equal(firstChangedLine("same\n", "same\n"), 0);
});

test("SyncTeX's output is read as key:value records", () => {
  const r = parseSynctex(
    "This is SyncTeX\nSyncTeX result begin\nOutput:t.pdf\nInput:/p/./t.tex\nLine:22\nColumn:-1\nSyncTeX result end\n",
  );
  assert.equal(r.Input, "/p/./t.tex");
  assert.equal(r.Line, "22");
});

test("the views say why the server is not running and Restricted Mode, never that a folder is not served", () => {
  const failed = notices({
    state: "failed",
    failure: "No Python interpreter was found.",
    trusted: true,
  });
  assert.match(failed.messages.templates, /not running: No Python interpreter was found/);
  assert.deepEqual(
    failed.actions?.map((a) => a.command?.command),
    [
      "aiScientist.setUp",
      "aiScientist.selectInterpreter",
      "aiScientist.showLogs",
      "aiScientist.restartServer",
    ],
  );
  assert.equal(
    notices({ state: "failed", trusted: false }).actions?.[0].command?.command,
    "aiScientist.selectInterpreter",
    "an untrusted workspace is not offered the set-up (it runs pip)",
  );
  const starting = notices({ state: "starting", trusted: true });
  assert.deepEqual(
    Object.values(starting.messages),
    ["", "", "", "", ""],
    "the welcome says it is starting",
  );
  const restricted = notices({ state: "running", trusted: false });
  assert.match(restricted.messages.templates, /^Restricted Mode: .*runs nothing/);
  assert.doesNotMatch(restricted.messages.templates, /served/);
  assert.equal(restricted.messages.papers, "Restricted Mode: read-only.");
  assert.equal(notices({ state: "running", trusted: true }).messages.templates, "");
});
