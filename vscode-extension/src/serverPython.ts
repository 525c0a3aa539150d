/**
 * Which Python serves `aisci lsp`, and whether it can: the interpreter plumbing of server.ts.
 *
 * Contract: `findServerInterpreter(root, trusted)` applies interpreter.ts's order to the
 * `aiScientist.python` setting (its `${workspaceFolder}` and `~` substituted), the workspace
 * folders' .venv and the Python extension's choice; in an untrusted workspace only the setting
 * counts (a workspace's own .venv, or the Python extension's choice for it, is code it brings).
 * `pythonExtensionInterpreter()` asks the Python extension, when installed, for the first
 * folder's interpreter; undefined when it has none or fails. `probe(python, cwd)` runs
 * `python -c "import aisci"` (60 s at most) and says how it went, for `probeProblem` to word.
 */

import * as cp from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as vscode from "vscode";
import {
  findInterpreter,
  Interpreter,
  InterpreterProblem,
  PROBE_ARGS,
  ProbeResult,
  substituteVariables,
} from "./interpreter";
import { SECTION } from "./settings";
import { workspaceFolder } from "./workspace";

/**
 * The parts of the Python extension's API read here, every one optional: its versions differ
 * (the `environments` API is newer than `settings.getExecutionDetails`), and nothing is typed
 * by the extension for its callers.
 */
interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath?(resource?: vscode.Uri): { path?: string } | undefined;
  };
  settings?: { getExecutionDetails?(resource?: vscode.Uri): { execCommand?: unknown } | undefined };
}

export async function pythonExtensionInterpreter(): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension<PythonExtensionApi | undefined>("ms-python.python");
  if (!ext) {
    return undefined;
  }
  try {
    const api = ext.isActive ? ext.exports : await ext.activate();
    const resource = workspaceFolder()?.uri;
    const env = api?.environments?.getActiveEnvironmentPath?.(resource);
    if (env?.path) {
      return env.path;
    }
    const details = api?.settings?.getExecutionDetails?.(resource);
    const exec = details?.execCommand;
    return Array.isArray(exec) && exec.length ? String(exec[0]) : undefined;
  } catch {
    return undefined;
  }
}

export function probe(python: string, cwd: string | undefined): Promise<ProbeResult> {
  return new Promise((resolve) => {
    cp.execFile(
      python,
      PROBE_ARGS,
      { cwd, timeout: 60_000, env: process.env },
      (error, stdout, stderr) => {
        const code = (error as NodeJS.ErrnoException | null)?.code;
        if (error && typeof code === "string") {
          resolve({ exitCode: null, stdout, stderr, spawnError: `${code} (${error.message})` });
          return;
        }
        resolve({ exitCode: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

export function findServerInterpreter(
  root: string | undefined,
  trusted: boolean,
): Promise<Interpreter | InterpreterProblem> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const setting = substituteVariables(config.get<string>("python") ?? "", root, os.homedir());
  return findInterpreter({
    setting,
    // Restricted Mode: a workspace's own .venv (or its Python extension choice) is code it brings.
    workspaceFolders: trusted
      ? (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath)
      : [],
    platform: process.platform,
    exists: (f) => fs.existsSync(f),
    pythonExtension: trusted ? pythonExtensionInterpreter : () => Promise.resolve(undefined),
  });
}
