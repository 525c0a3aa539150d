/**
 * The workspace folders the extension works in: the first one for the server, and for a path
 * the one that holds it.
 *
 * Contract: `workspaceFolder()` is the first folder of the workspace, or undefined when none is
 * open; `workspaceRoot()` is its path. The server's working directory, `${workspaceFolder}` in
 * `aiScientist.python` (one server per window, so one interpreter) and the folder the Python
 * extension is asked about mean this one folder, so they are read here and nowhere else.
 * `workspaceFolderOf(path)` is the folder holding a path (the innermost, when folders nest),
 * else the first: the folder whose `aiScientist.*` settings a command on that path takes, as the
 * server chooses (docs/lsp.md §1). `folderOf` is that choice over plain paths, unit-tested.
 */

import * as path from "path";
import * as vscode from "vscode";

export function workspaceFolder(): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.workspaceFolders?.[0];
}

export function workspaceRoot(): string | undefined {
  return workspaceFolder()?.uri.fsPath;
}

/**
 * The path of the workspace folder a new file belongs to: the only one, or the one the
 * researcher picks (`placeHolder`) among several; undefined when none is open (`noFolder` is
 * said) or the pick was dismissed.
 */
export async function chooseWorkspaceRoot(
  placeHolder: string,
  noFolder: string,
): Promise<string | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  // Several folders: the researcher says which one the new files (and results) belong to.
  const folder =
    folders.length > 1
      ? await vscode.window.showWorkspaceFolderPick({ placeHolder, ignoreFocusOut: true })
      : folders[0];
  if (!folder && folders.length === 0) {
    void vscode.window.showErrorMessage(noFolder);
  }
  return folder?.uri.fsPath;
}

/** Whether `target` is `folder` or lies inside it (by path, not by resolving links). */
function holds(folder: string, target: string): boolean {
  const rel = path.relative(folder, target);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** The index in `folders` of the folder holding `target`: the innermost one, else 0 (the first);
 * undefined when there is no folder. */
export function folderOf(folders: readonly string[], target: string): number | undefined {
  if (!folders.length) {
    return undefined;
  }
  let best = 0;
  let depth = -1;
  folders.forEach((folder, i) => {
    const d = path.resolve(folder).length;
    if (holds(folder, target) && d > depth) {
      best = i;
      depth = d;
    }
  });
  return best;
}

/** The workspace folder holding `fsPath`, else the first (undefined when none is open). */
export function workspaceFolderOf(fsPath: string | undefined): vscode.WorkspaceFolder | undefined {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const i =
    fsPath === undefined
      ? 0
      : folderOf(
          folders.map((f) => f.uri.fsPath),
          fsPath,
        );
  return i === undefined ? undefined : folders[i];
}
