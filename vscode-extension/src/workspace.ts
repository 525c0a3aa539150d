/**
 * The workspace folder the extension works in: the first one.
 *
 * Contract: `workspaceFolder()` is the first folder of the workspace, or undefined when none is
 * open; `workspaceRoot()` is its path. The server's working directory, `${workspaceFolder}` in
 * `aiScientist.python`, the folder the Python extension is asked about and the parent of new
 * templates all mean this one folder, so they are read here and nowhere else: a multi-root
 * workspace that should pick another folder changes this module only.
 */

import * as vscode from "vscode";

export function workspaceFolder(): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.workspaceFolders?.[0];
}

export function workspaceRoot(): string | undefined {
  return workspaceFolder()?.uri.fsPath;
}
