/**
 * "Select Python Interpreter": where the setting's value lives, and the interpreters found.
 *
 * Contract: `pickInterpreterScope(inspect, trusted)` names the scope that holds the winning value
 * of `aiScientist.python` (workspace folder, workspace, else the user settings), so writing there
 * really replaces it (a bad `.vscode/settings.json` value would otherwise keep winning over a new
 * user setting); in an untrusted workspace only the user settings count.
 * `interpreterItems(sources)` lists the interpreters found, each once: each workspace folder's
 * `.venv`, the Python extension's choice, `python3` on PATH. Pure apart from the injected look-ups;
 * unit-tested.
 */

import * as vscode from "vscode";
import { venvPython } from "./interpreter";

export interface Inspected {
  globalValue?: string;
  workspaceValue?: string;
  workspaceFolderValue?: string;
}

export interface Scope {
  target: vscode.ConfigurationTarget;
  /** In words, for the messages. */
  where: string;
  value?: string;
}

export function pickInterpreterScope(inspect: Inspected | undefined, trusted = true): Scope {
  if (!trusted) {
    return {
      target: vscode.ConfigurationTarget.Global,
      where: "your user settings (this workspace is not trusted)",
      value: inspect?.globalValue,
    };
  }
  if (inspect?.workspaceFolderValue !== undefined) {
    return {
      target: vscode.ConfigurationTarget.WorkspaceFolder,
      where: "the workspace folder's settings",
      value: inspect.workspaceFolderValue,
    };
  }
  if (inspect?.workspaceValue !== undefined) {
    return {
      target: vscode.ConfigurationTarget.Workspace,
      where: "the workspace settings (.vscode/settings.json)",
      value: inspect.workspaceValue,
    };
  }
  return {
    target: vscode.ConfigurationTarget.Global,
    where: "your user settings",
    value: inspect?.globalValue,
  };
}

export interface FoundInterpreter {
  path: string;
  source: string;
}

export interface InterpreterLookups {
  folders: string[];
  pythonExtension(): Promise<string | undefined>;
  exists(file: string): boolean;
  which(): Promise<string | undefined>;
}

export async function interpreterItems(s: InterpreterLookups): Promise<FoundInterpreter[]> {
  const found: FoundInterpreter[] = [];
  const add = (p: string | undefined, source: string) => {
    if (p && !found.some((f) => f.path === p)) {
      found.push({ path: p, source });
    }
  };
  for (const folder of s.folders) {
    const venv = venvPython(folder, process.platform);
    if (s.exists(venv)) {
      add(venv, "the workspace's .venv");
    }
  }
  const [fromExtension, onPath] = await Promise.all([
    s.pythonExtension().catch(() => undefined),
    s.which().catch(() => undefined),
  ]);
  add(fromExtension, "the Python extension's choice");
  add(onPath, "python3 on PATH");
  return found;
}
