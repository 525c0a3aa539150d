/**
 * "AI Scientist: Select Python Interpreter": choose the Python that serves, and save it.
 *
 * Contract: lists the interpreters found (interpreterPick.ts; in an untrusted workspace none the
 * workspace brings), "Browse…", "Enter interpreter path…" and "Automatic" (clears the setting).
 * A chosen file is checked first (`ServerManager.checkInterpreter`: runnable, imports aisci);
 * a bad one is saved only after "Use It Anyway", "Choose Another" asks again. The value is
 * written in the scope whose value wins (`pickInterpreterScope`), so it really replaces it; the
 * change of `aiScientist.python` restarts the server (server.ts).
 */

import * as fs from "fs";
import * as vscode from "vscode";
import { interpreterItems, pickInterpreterScope } from "./interpreterPick";
import type { Parts } from "./serverCommand";
import { SECTION } from "./settings";
import { whichPython3 } from "./setup";

export async function selectInterpreter(p: Parts): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const scope = pickInterpreterScope(config.inspect<string>("python"), vscode.workspace.isTrusted);
  const current = scope.value ?? "";
  const found = await interpreterItems({
    folders: vscode.workspace.isTrusted
      ? (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath)
      : [],
    pythonExtension: vscode.workspace.isTrusted
      ? p.server.pythonExtensionInterpreter
      : () => Promise.resolve(undefined),
    exists: (f) => fs.existsSync(f),
    which: whichPython3,
  });
  type Item = vscode.QuickPickItem & { value?: string; enter?: boolean; browse?: boolean };
  const items: Item[] = [
    ...found.map((i) => ({ label: i.path, description: i.source, value: i.path })),
    { label: "$(folder-opened) Browse…", browse: true },
    { label: "$(edit) Enter interpreter path…", enter: true },
    {
      label: "$(clear-all) Automatic",
      description: "the workspace's .venv, else the Python extension's choice",
      value: "",
    },
  ];
  const pick = await vscode.window.showQuickPick(items, {
    title: "AI Scientist: Select Python Interpreter",
    placeHolder: current
      ? `Now: ${current} (${scope.where})`
      : `Now: automatic (${p.server.interpreter?.path ?? "none found"})`,
  });
  if (!pick) {
    return;
  }
  let value = pick.value;
  if (pick.enter) {
    value = await vscode.window.showInputBox({
      title: "AI Scientist: Python interpreter",
      prompt: "The Python that has aisci installed (e.g. <aisci repo>/.venv/bin/python).",
      value: current || p.server.interpreter?.path || "",
      ignoreFocusOut: true,
      validateInput: (v) =>
        v.trim() === "" || fs.existsSync(v.trim()) ? undefined : `No file at ${v.trim()}.`,
    });
  } else if (pick.browse) {
    const chosen = await vscode.window.showOpenDialog({
      title: "The Python that has aisci installed",
      canSelectMany: false,
      openLabel: "Use This Python",
    });
    value = chosen?.[0]?.fsPath;
  }
  if (value === undefined) {
    return;
  }
  value = value.trim();
  if (value !== "") {
    // Check the file before saving it: a Python without aisci would only fail at the restart.
    const problem = await p.server.checkInterpreter(value);
    if (problem) {
      const b = await vscode.window.showWarningMessage(
        `Not saved yet: ${problem}`,
        "Use It Anyway",
        "Choose Another",
      );
      if (b === "Choose Another") {
        return selectInterpreter(p);
      }
      if (b !== "Use It Anyway") {
        return;
      }
    }
  }
  // Written where the value that wins lives, so a workspace setting is really replaced; the
  // change restarts the server (server.ts).
  await config.update("python", value, scope.target);
  void vscode.window.showInformationMessage(
    `aiScientist.python ${value ? `is ${value}` : "is cleared (automatic)"} in ${scope.where}; restarting the server.`,
  );
}
