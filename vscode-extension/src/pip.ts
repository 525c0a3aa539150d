/**
 * The decisions of the set-up (setup.ts), without `vscode`: which interpreters are offered, the
 * pip command line, what a line of pip's output says about its progress, and what went wrong
 * when pip (or `python -m venv`) failed.
 *
 * Contract: `setupChoices` lists each interpreter once, the current setting first, then the
 * found ones, then "Create .venv in this workspace" (only with a workspace and no .venv there
 * yet) and "Browse…". `pipInstallArgs(wheel)` is an argument array (no shell): pip without its
 * version check, prompts or progress bars, installing the bundled wheel and its dependencies.
 * `pipProgress(line)` is the short words the notification shows for a line of pip's output, or
 * undefined for a line that says nothing new. `pipFailure` turns the outcome into one message
 * (what failed: why. What to do.), undefined when pip succeeded. `parseTemplateList` reads
 * `aisci template list --json` (Copy a Shipped Template's picker), refusing a malformed answer.
 * Pure; unit-tested.
 */

import * as path from "path";

export interface FoundPython {
  path: string;
  source: string;
}

export interface SetupChoice {
  label: string;
  description?: string;
  /** The interpreter to install into; undefined for "create" and "browse". */
  python?: string;
  create?: boolean;
  browse?: boolean;
}

export function setupChoices(
  found: readonly FoundPython[],
  o: { setting?: string; settingExists: boolean; root?: string; venvExists: boolean },
): SetupChoice[] {
  const choices: SetupChoice[] = [];
  const add = (python: string, source: string) => {
    if (!choices.some((c) => c.python === python)) {
      choices.push({ label: python, description: source, python });
    }
  };
  if (o.setting && o.settingExists) {
    add(o.setting, "the setting aiScientist.python");
  }
  for (const f of found) {
    add(f.path, f.source);
  }
  if (o.root !== undefined && !o.venvExists) {
    choices.push({
      label: "$(add) Create .venv in this workspace",
      description: `python3 -m venv ${path.join(o.root, ".venv")}`,
      create: true,
    });
  }
  choices.push({ label: "$(folder-opened) Browse…", browse: true });
  return choices;
}

export function pipInstallArgs(wheel: string): string[] {
  return [
    "-m",
    "pip",
    "install",
    "--disable-pip-version-check",
    "--no-input",
    "--progress-bar",
    "off",
    wheel,
  ];
}

/** A requirement's name without its version or markers: "aider-chat==0.86.2" -> "aider-chat". */
function projectName(requirement: string): string {
  return requirement.split(/[=<>!~;[(\s]/)[0];
}

export function pipProgress(line: string): string | undefined {
  const l = line.trim();
  let m: RegExpExecArray | null;
  if ((m = /^Processing (\S+)/.exec(l))) {
    return `reading ${path.basename(m[1])}`;
  }
  if ((m = /^Collecting (\S+)/.exec(l))) {
    return `collecting ${projectName(m[1])}`;
  }
  if ((m = /^Downloading (\S+)(?: \(([^)]+)\))?/.exec(l))) {
    return `downloading ${path.basename(m[1])}${m[2] ? ` (${m[2]})` : ""}`;
  }
  if ((m = /^Requirement already satisfied: (\S+)/.exec(l))) {
    return `${projectName(m[1])} is there already`;
  }
  if ((m = /^Building wheels? for (\S+)/.exec(l))) {
    return `building ${projectName(m[1])}`;
  }
  if ((m = /^Installing collected packages: (.*)$/.exec(l))) {
    const n = m[1].split(",").filter((s) => s.trim()).length;
    return `installing ${n} package${n === 1 ? "" : "s"}`;
  }
  if ((m = /^Successfully installed (.*)$/.exec(l))) {
    return `installed ${m[1].trim().split(/\s+/).length} package(s)`;
  }
  return undefined;
}

export interface ProcessOutcome {
  /** null when the process could not start, or was killed. */
  exitCode: number | null;
  /** stdout and stderr together, as they came. */
  output: string;
  spawnError?: string;
  cancelled?: boolean;
}

const NETWORK =
  /NewConnectionError|Failed to establish a new connection|Name or service not known|Temporary failure in name resolution|ConnectTimeoutError|ReadTimeoutError|ProxyError|SSLError|Network is unreachable|Connection refused/;

function lastErrorLine(output: string): string | undefined {
  const lines = output
    .split("\n")
    .map((s) => s.trim())
    .filter(Boolean);
  const line = [...lines].reverse().find((s) => s.startsWith("ERROR:")) ?? lines.pop();
  return line?.replace(/\.$/, ""); // the message adds its own full stop
}

/** Why installing aisci into `python` failed, or undefined when it succeeded. */
export function pipFailure(python: string, o: ProcessOutcome): string | undefined {
  const into = `Installing aisci into ${python}`;
  if (o.cancelled) {
    return (
      `${into} was cancelled: pip was stopped. What it had installed stays; ` +
      "run the set-up again to finish."
    );
  }
  if (o.spawnError !== undefined) {
    return `${into} failed: the interpreter could not be run: ${o.spawnError}. Choose another interpreter.`;
  }
  if (o.exitCode === 0) {
    return undefined;
  }
  const out = o.output;
  let m: RegExpExecArray | null;
  if (/No module named pip\b/.test(out)) {
    return (
      `${into} failed: that Python has no pip. Add it (${python} -m ensurepip --upgrade), ` +
      "or create a .venv in this workspace."
    );
  }
  if (/externally-managed-environment/.test(out)) {
    return (
      `${into} failed: that Python belongs to the system and pip may not install into it ` +
      "(externally managed). Create a .venv in this workspace instead."
    );
  }
  if ((m = /requires a different Python: (\S+) not in '([^']+)'/.exec(out))) {
    return `${into} failed: aisci needs Python ${m[2]} and this one is ${m[1]}. Choose or create a venv with a Python in that range.`;
  }
  const network = out.split("\n").find((l) => NETWORK.test(l));
  if (network) {
    const why = (NETWORK.exec(network)?.[0] ?? "").trim();
    const host = /(?:host='|HTTPS?Connection\(host=')([^']+)/.exec(network)?.[1];
    return `pip could not reach the package index: ${why}${host ? ` (${host})` : ""}; check the network or set PIP_INDEX_URL.`;
  }
  if ((m = /No matching distribution found for (\S+)/.exec(out))) {
    return (
      `pip could not reach the package index, or it has no ${m[1]}: no matching distribution ` +
      "found; check the network or set PIP_INDEX_URL."
    );
  }
  if (/Permission denied|\[Errno 13\]/.test(out)) {
    return `${into} failed: pip may not write into that Python's packages (permission denied). Create a .venv in this workspace instead.`;
  }
  const last = lastErrorLine(out);
  return `${into} failed (exit ${o.exitCode ?? "killed"})${last ? `: ${last}` : ""}. Show Logs has pip's whole output.`;
}

/** Why `python3 -m venv` failed, or undefined when it made the venv. */
export function venvFailure(folder: string, o: ProcessOutcome): string | undefined {
  if (o.spawnError !== undefined) {
    return `Creating ${folder} failed: python3 could not be run: ${o.spawnError}. Install Python 3 (3.10 to 3.12), or choose an interpreter.`;
  }
  if (o.exitCode === 0) {
    return undefined;
  }
  if (/ensurepip is not\s+available|No module named venv/.test(o.output)) {
    return (
      `Creating ${folder} failed: this python3 cannot make venvs with pip. ` +
      "Install its venv module (on Debian and Ubuntu: the python3-venv package), or choose an interpreter."
    );
  }
  const last = lastErrorLine(o.output);
  return `Creating ${folder} failed (exit ${o.exitCode ?? "killed"})${last ? `: ${last}` : ""}.`;
}

/** The newest `aisci-*.whl` in `names` (the bundled wheel folder's listing), or undefined. */
export function bundledWheel(names: readonly string[]): string | undefined {
  return names
    .filter((n) => /^aisci-[^-]+-.*\.whl$/.test(n))
    .sort()
    .pop();
}

export interface ShippedTemplate {
  name: string;
  studies: string;
  scales: string[];
  data: string[];
  unprepared: string[];
}

/** `aisci template list --json`, checked: the templates, or an Error that says what was wrong. */
export function parseTemplateList(stdout: string): ShippedTemplate[] {
  const value = JSON.parse(stdout) as { templates?: unknown };
  if (!Array.isArray(value?.templates)) {
    throw new Error("aisci template list --json gave no list of templates");
  }
  return value.templates.map((t: Partial<ShippedTemplate>) => {
    if (typeof t?.name !== "string") {
      throw new Error("aisci template list --json gave a template without a name");
    }
    return {
      name: t.name,
      studies: String(t.studies ?? ""),
      scales: Array.isArray(t.scales) ? t.scales.map(String) : [],
      data: Array.isArray(t.data) ? t.data.map(String) : [],
      unprepared: Array.isArray(t.unprepared) ? t.unprepared.map(String) : [],
    };
  });
}

export function templateDetail(t: ShippedTemplate): string {
  const scales = t.scales.length ? `scales: ${t.scales.join(", ")}` : "no scales";
  const data = t.data.length
    ? `data: ${t.data.map((d) => `${d}${t.unprepared.includes(d) ? " (not prepared)" : ""}`).join(", ")}`
    : "makes its own data";
  return `${scales}; ${data}`;
}
