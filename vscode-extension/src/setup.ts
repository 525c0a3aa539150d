/**
 * "Set Up the AI Scientist Here…" and "Copy a Shipped Template…": the extension installs its own
 * server, from the aisci wheel the .vsix carries (dist/wheel/), and puts a shipped template into
 * the workspace.
 *
 * Contract:
 * - Nothing runs in an untrusted workspace: both commands say why, with "Manage Workspace Trust".
 * - `aiScientist.setUp`: a quick pick of interpreters (pip.ts `setupChoices`: the setting, the
 *   workspace .venv, the Python extension's choice, python3 on PATH, "Create .venv in this
 *   workspace", "Browse…"); then a modal that names the interpreter and what gets installed, and
 *   only on "Install" `<python> -m pip install <bundled wheel>` (an argument array, no shell),
 *   its output in the log and its progress in a cancellable notification. Cancel stops pip.
 *   A failure is one message (pip.ts `pipFailure`) with "Show Logs". On success
 *   `aiScientist.python` is set where the workspace's value lives (the workspace settings, a
 *   folder's own when it has one; the user settings without a workspace), the server is
 *   (re)started, and "Copy a Shipped Template…" is offered.
 * - `aiScientist.copyTemplate`: `<python> -m aisci template list --json` (the running server's
 *   interpreter) in a quick pick, then `aisci template copy NAME <root>/templates/NAME` (another
 *   folder name is asked for when that one exists); on success the views refresh and "Run
 *   Baseline" / "Check Template" are offered for the copy.
 */

import * as cp from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as vscode from "vscode";
import { substituteVariables, venvPython } from "./interpreter";
import { interpreterItems, type Inspected } from "./interpreterPick";
import type { Logs } from "./logs";
import {
  bundledWheel,
  pipFailure,
  pipInstallArgs,
  parseTemplateList,
  pipProgress,
  type ProcessOutcome,
  setupChoices,
  type ShippedTemplate,
  templateDetail,
  venvFailure,
} from "./pip";
import type { ServerManager } from "./server";
import { SECTION } from "./settings";
import { workspaceRoot } from "./workspace";

/** Where the set-up writes `aiScientist.python`: where a workspace value wins, else the user's. */
export function setupTarget(inspect: Inspected | undefined, hasWorkspace: boolean) {
  if (inspect?.workspaceFolderValue !== undefined) {
    return {
      target: vscode.ConfigurationTarget.WorkspaceFolder,
      where: "the workspace folder's settings",
    };
  }
  if (hasWorkspace) {
    return { target: vscode.ConfigurationTarget.Workspace, where: "the workspace settings" };
  }
  return { target: vscode.ConfigurationTarget.Global, where: "your user settings" };
}

/** `python args…` without a shell; each line of its output to `onLine`; cancel kills it. */
function runLines(
  python: string,
  args: string[],
  cwd: string | undefined,
  onLine: (line: string) => void,
  token?: vscode.CancellationToken,
): Promise<ProcessOutcome> {
  // No PYTHONPATH or VIRTUAL_ENV of the editor's: a checkout on PYTHONPATH would look installed.
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONUNBUFFERED: "1" };
  delete env.PYTHONPATH;
  delete env.VIRTUAL_ENV;
  return new Promise((resolve) => {
    let output = "";
    let partial = "";
    let cancelled = false;
    const child = cp.spawn(python, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    const take = (chunk: Buffer) => {
      const text = partial + chunk.toString("utf8");
      const lines = text.split(/\r?\n|\r/);
      partial = lines.pop() ?? "";
      for (const line of lines) {
        output += line + "\n";
        onLine(line);
      }
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    const sub = token?.onCancellationRequested(() => {
      cancelled = true;
      child.kill("SIGTERM");
    });
    child.on("error", (e: NodeJS.ErrnoException) => {
      sub?.dispose();
      resolve({ exitCode: null, output, spawnError: `${e.code ?? "error"} (${e.message})` });
    });
    child.on("close", (code) => {
      sub?.dispose();
      if (partial) {
        output += partial;
        onLine(partial);
      }
      resolve({ exitCode: code, output, cancelled });
    });
  });
}

/** `python3` on PATH (also Select Python Interpreter's), or undefined. */
export function whichPython3(): Promise<string | undefined> {
  return new Promise((resolve) => {
    cp.execFile("/bin/sh", ["-c", "command -v python3"], { timeout: 5_000 }, (error, stdout) =>
      resolve(error ? undefined : stdout.trim() || undefined),
    );
  });
}

function notTrusted(what: string): boolean {
  if (vscode.workspace.isTrusted) {
    return false;
  }
  void vscode.window
    .showInformationMessage(
      `${what} did not start: this workspace is not trusted, and it runs Python and pip here. ` +
        "Trust the workspace first.",
      "Manage Workspace Trust",
    )
    .then((b) => b && vscode.commands.executeCommand("workbench.trust.manage"));
  return true;
}

export class Setup {
  constructor(
    private readonly server: ServerManager,
    private readonly logs: Logs,
    private readonly extensionUri: vscode.Uri,
  ) {}

  register(): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand("aiScientist.setUp", () => this.setUp()),
      vscode.commands.registerCommand("aiScientist.copyTemplate", () => this.copyTemplate()),
    ];
  }

  private error(message: string): void {
    this.logs.error(message);
    void vscode.window.showErrorMessage(message, "Show Logs").then((b) => b && this.logs.show());
  }

  private wheel(): string | undefined {
    const folder = path.join(this.extensionUri.fsPath, "dist", "wheel");
    const names = fs.existsSync(folder) ? fs.readdirSync(folder) : [];
    const name = bundledWheel(names);
    return name && path.join(folder, name);
  }

  async setUp(): Promise<void> {
    if (notTrusted("Setting up the AI Scientist")) {
      return;
    }
    const wheel = this.wheel();
    if (!wheel) {
      this.error(
        "Setting up the AI Scientist failed: this build of the extension carries no aisci wheel " +
          "(dist/wheel/ is empty). Install aisci yourself (its wheel with pipx or pip, as the " +
          "aisci README says) and choose that Python with Select Python Interpreter.",
      );
      return;
    }
    const python = await this.chooseInterpreter();
    if (!python) {
      return;
    }
    const version = /^aisci-([^-]+)-/.exec(path.basename(wheel))?.[1] ?? "";
    const index = process.env.PIP_NO_INDEX
      ? "none: PIP_NO_INDEX is set, so only what is installed already counts"
      : process.env.PIP_INDEX_URL || "pypi.org, unless pip is configured otherwise";
    const consent = await vscode.window.showInformationMessage(
      `Install aisci ${version} into ${python}?`,
      {
        modal: true,
        detail:
          `pip will install aisci from the wheel this extension carries (${path.basename(wheel)}) ` +
          `and its dependencies (aider-chat, litellm, pygls, matplotlib and theirs: several ` +
          `hundred MB) from the package index (${index}). torch, which the templates' ` +
          "experiments need, is left to you: aisci doctor says which build and how.",
      },
      "Install",
    );
    if (consent !== "Install") {
      return;
    }
    if (!(await this.install(python, wheel))) {
      return;
    }
    const config = vscode.workspace.getConfiguration(SECTION);
    const { target, where } = setupTarget(
      config.inspect<string>("python"),
      (vscode.workspace.workspaceFolders ?? []).length > 0,
    );
    await config.update("python", python, target);
    this.logs.info(`aiScientist.python is ${python} in ${where}; (re)starting the server`);
    // A changed setting restarts the server by itself; restarting here too covers an unchanged
    // one (the same interpreter, now with aisci) and waits until it answers.
    if (!(await this.server.restart())) {
      return; // the server said why
    }
    const b = await vscode.window.showInformationMessage(
      `aisci ${this.server.version ?? version} is installed in ${python} and the server runs ` +
        `(aiScientist.python is set in ${where}).`,
      "Copy a Shipped Template…",
    );
    if (b) {
      await this.copyTemplate();
    }
  }

  private async chooseInterpreter(): Promise<string | undefined> {
    const root = workspaceRoot();
    const config = vscode.workspace.getConfiguration(SECTION);
    const setting = substituteVariables(config.get<string>("python") ?? "", root, os.homedir());
    const found = await interpreterItems({
      folders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
      pythonExtension: this.server.pythonExtensionInterpreter,
      exists: (f) => fs.existsSync(f),
      which: whichPython3,
    });
    const choices = setupChoices(found, {
      setting,
      settingExists: setting !== "" && fs.existsSync(setting),
      root,
      venvExists: root !== undefined && fs.existsSync(venvPython(root, process.platform)),
    });
    const pick = await vscode.window.showQuickPick(choices, {
      title: "AI Scientist: Set Up — which Python gets aisci?",
      placeHolder: "An interpreter to install aisci into, or a new .venv in this workspace",
    });
    if (!pick) {
      return undefined;
    }
    if (pick.browse) {
      const chosen = await vscode.window.showOpenDialog({
        title: "The Python to install aisci into",
        canSelectMany: false,
        openLabel: "Use This Python",
      });
      return chosen?.[0]?.fsPath;
    }
    if (pick.create && root !== undefined) {
      return this.createVenv(root);
    }
    return pick.python;
  }

  private async createVenv(root: string): Promise<string | undefined> {
    const folder = path.join(root, ".venv");
    const python3 = (await whichPython3()) ?? "python3";
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Creating ${folder}…` },
      () => runLines(python3, ["-m", "venv", folder], root, (l) => this.logs.info(`venv: ${l}`)),
    );
    const problem = venvFailure(folder, outcome);
    if (problem) {
      this.error(problem);
      return undefined;
    }
    return venvPython(root, process.platform);
  }

  /** pip install of the wheel into `python`, with progress; true when it succeeded. */
  private async install(python: string, wheel: string): Promise<boolean> {
    const args = pipInstallArgs(wheel);
    this.logs.info(`running ${python} ${args.join(" ")}`);
    const began = Date.now();
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, cancellable: true },
      (progress, token) => {
        progress.report({ message: "Installing aisci…" });
        return runLines(
          python,
          args,
          workspaceRoot() ?? os.homedir(),
          (line) => {
            if (line.trim()) {
              this.logs.info(`pip: ${line}`);
            }
            const words = pipProgress(line);
            if (words) {
              progress.report({ message: `Installing aisci… (${words})` });
            }
          },
          token,
        );
      },
    );
    const problem = pipFailure(python, outcome);
    if (problem) {
      if (outcome.cancelled) {
        this.logs.info(problem);
        void vscode.window.showWarningMessage(problem);
      } else {
        this.error(problem);
      }
      return false;
    }
    this.logs.info(`pip installed aisci into ${python} in ${Date.now() - began} ms`);
    return true;
  }

  async copyTemplate(): Promise<void> {
    if (notTrusted("Copy a Shipped Template")) {
      return;
    }
    const root = workspaceRoot();
    if (root === undefined) {
      void vscode.window.showInformationMessage(
        "Copy a Shipped Template needs a folder: open one (File > Open Folder) and run it again.",
      );
      return;
    }
    // A failed server would only fail again (with its own pop-up): offer the set-up at once.
    const running = this.server.state !== "failed" && (await this.server.start());
    const python = running ? this.server.interpreter?.path : undefined;
    if (!python) {
      const b = await vscode.window.showErrorMessage(
        `Copy a Shipped Template needs the AI Scientist server: ${this.server.failure ?? "it is not running"}`,
        "Set Up the AI Scientist Here…",
      );
      if (b) {
        await this.setUp();
      }
      return;
    }
    const listed = await runLines(
      python,
      ["-m", "aisci", "template", "list", "--json"],
      root,
      () => {},
    );
    let templates: ShippedTemplate[];
    try {
      if (listed.exitCode !== 0) {
        throw new Error(listed.spawnError ?? listed.output.trim().split("\n").pop() ?? "");
      }
      templates = parseTemplateList(listed.output);
    } catch (e) {
      this.error(
        `Listing the shipped templates with ${python} failed: ${e instanceof Error ? e.message : String(e)}.`,
      );
      return;
    }
    const pick = await vscode.window.showQuickPick(
      templates.map((t) => ({
        label: t.name,
        description: t.studies,
        detail: templateDetail(t),
        t,
      })),
      { title: "AI Scientist: Copy a Shipped Template", matchOnDescription: true },
    );
    if (!pick) {
      return;
    }
    let dest = path.join(root, "templates", pick.t.name);
    if (fs.existsSync(dest)) {
      const other = await vscode.window.showInputBox({
        title: "AI Scientist: Copy a Shipped Template",
        prompt: `templates/${pick.t.name} exists (it stays as it is): a name for the copy's folder`,
        value: `${pick.t.name}_copy`,
        validateInput: (v) =>
          !/^[A-Za-z0-9_.-]+$/.test(v.trim())
            ? "Letters, digits, _ . - only."
            : fs.existsSync(path.join(root, "templates", v.trim()))
              ? `templates/${v.trim()} exists too.`
              : undefined,
      });
      if (!other) {
        return;
      }
      dest = path.join(root, "templates", other.trim());
    }
    const args = ["-m", "aisci", "template", "copy", pick.t.name, dest];
    this.logs.info(`running ${python} ${args.join(" ")}`);
    const copied = await runLines(python, args, root, (l) => this.logs.info(`aisci: ${l}`));
    const lines = copied.output.trim().split("\n");
    if (copied.exitCode !== 0) {
      this.error(
        `Copying the shipped template ${pick.t.name} failed: ${copied.spawnError ?? lines.pop() ?? ""}`,
      );
      return;
    }
    void vscode.commands.executeCommand("aiScientist.refresh");
    const valid = lines.find((l) => l.includes("the template is valid")) ?? "";
    const prepare = pick.t.unprepared.length
      ? ` Its data (${pick.t.unprepared.join(", ")}) is not prepared yet: run aisci data ${pick.t.name} in a terminal.`
      : "";
    const b = await vscode.window.showInformationMessage(
      `Copied the shipped template ${pick.t.name} to ${path.relative(root, dest)}` +
        `${valid ? ` (${valid.replace(/^.*: /, "").replace(/\.$/, "")})` : ""}.${prepare}`,
      "Run Baseline",
      "Check Template",
    );
    if (b) {
      await vscode.commands.executeCommand(
        b === "Run Baseline" ? "aiScientist.runBaseline" : "aiScientist.checkTemplate",
        { template: dest },
      );
    }
  }
}
