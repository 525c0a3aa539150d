/**
 * Which Python runs `aisci lsp`, and whether aisci imports there.
 *
 * Contract: `findInterpreter(sources)` tries, in order, the setting `aiScientist.python`
 * (an explicit choice: when it names a missing file that is the answer, an error, and
 * nothing else is tried), the workspace's `.venv`, then the Python extension's interpreter
 * (only when that extension is installed). `checkAisci(python, run)` runs
 * `python -c "import aisci"` and turns the outcome into a message that says which
 * interpreter was tried and how to install aisci there. Pure apart from the injected
 * functions: no `vscode` import, unit-tested.
 */

import * as path from "path";

export type InterpreterSource = "setting" | "workspace .venv" | "Python extension";

export interface Interpreter {
  readonly path: string;
  readonly source: InterpreterSource;
}

export interface InterpreterProblem {
  readonly message: string;
  readonly tried: readonly string[];
}

export interface InterpreterSources {
  /** `aiScientist.python`, `${workspaceFolder}` already substituted; "" or undefined when unset. */
  readonly setting: string | undefined;
  readonly workspaceFolders: readonly string[];
  readonly platform: NodeJS.Platform;
  exists(file: string): boolean;
  /** The Python extension's interpreter, or undefined when it is not installed or has none. */
  pythonExtension(): Promise<string | undefined>;
}

export function venvPython(folder: string, platform: NodeJS.Platform): string {
  return platform === "win32"
    ? path.join(folder, ".venv", "Scripts", "python.exe")
    : path.join(folder, ".venv", "bin", "python");
}

export function substituteVariables(
  value: string,
  workspaceFolder: string | undefined,
  home: string,
): string {
  let out = value.trim();
  if (workspaceFolder !== undefined) {
    out = out.split("${workspaceFolder}").join(workspaceFolder);
  }
  if (out === "~" || out.startsWith("~/")) {
    out = path.join(home, out.slice(1));
  }
  return out;
}

export async function findInterpreter(
  s: InterpreterSources,
): Promise<Interpreter | InterpreterProblem> {
  const tried: string[] = [];
  if (s.setting !== undefined && s.setting !== "") {
    if (s.exists(s.setting)) {
      return { path: s.setting, source: "setting" };
    }
    return {
      message:
        `The setting aiScientist.python is "${s.setting}", and no file is there. ` +
        "Point it at a Python that has aisci installed (e.g. <aisci repo>/.venv/bin/python), or clear it " +
        "to use the workspace's .venv.",
      tried: [s.setting],
    };
  }
  for (const folder of s.workspaceFolders) {
    const candidate = venvPython(folder, s.platform);
    tried.push(candidate);
    if (s.exists(candidate)) {
      return { path: candidate, source: "workspace .venv" };
    }
  }
  const fromExtension = await s.pythonExtension();
  if (fromExtension !== undefined && fromExtension !== "") {
    return { path: fromExtension, source: "Python extension" };
  }
  tried.push("the Python extension's interpreter (not installed or none selected)");
  return {
    message:
      "No Python interpreter for the AI Scientist was found: tried " +
      tried.join(", ") +
      '. Run "AI Scientist: Set Up the AI Scientist Here…" to install aisci into a Python (or a ' +
      "new .venv), or set aiScientist.python to a Python that has aisci installed.",
    tried,
  };
}

export function isProblem(x: Interpreter | InterpreterProblem): x is InterpreterProblem {
  return (x as InterpreterProblem).message !== undefined;
}

/** What running `python -c "import aisci"` gave. */
export interface ProbeResult {
  /** null when the process could not start (e.g. ENOENT). */
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly spawnError?: string;
}

export const PROBE_ARGS = ["-c", "import aisci, sys; sys.stdout.write(aisci.__version__)"];

/** undefined when aisci imports; otherwise the message to show (with a Show Logs button). */
export function probeProblem(interp: Interpreter, probe: ProbeResult): string | undefined {
  const where = `${interp.path} (from ${interp.source})`;
  if (probe.spawnError !== undefined) {
    return (
      `The AI Scientist server cannot start: the Python interpreter ${where} could not be run: ` +
      `${probe.spawnError}. Set aiScientist.python to a working Python with aisci installed.`
    );
  }
  if (probe.exitCode === 0) {
    return undefined;
  }
  const lastLine = probe.stderr.trim().split("\n").pop() ?? "";
  if (/No module named ['"]?aisci/.test(probe.stderr)) {
    return (
      `The AI Scientist server cannot start: aisci is not installed in ${where}. ` +
      'Run "AI Scientist: Set Up the AI Scientist Here…" to install it there, ' +
      "or set aiScientist.python to the Python that has it."
    );
  }
  return (
    `The AI Scientist server cannot start: importing aisci in ${where} failed` +
    (lastLine ? `: ${lastLine}` : ` (exit ${probe.exitCode})`) +
    ". Reinstall aisci there (`make setup` in the aisci repository)."
  );
}
