/**
 * The palette and context-menu commands (category "AI Scientist"), one per server command
 * plus the extension's own (views, previews, keys, server).
 *
 * Contract: a server command is wrapped as `aiScientist.<name>`: it resolves its target (picks.ts),
 * sends `aisci.<name>` with one object argument, and reports the outcome: a one-line summary
 * (summary.ts) with buttons for the natural next steps, or the failure (errors.ts). In an untrusted
 * workspace nothing runs: the command says so, with "Manage Workspace Trust". Cancel picks a
 * running job by its title, stage and folder, and says nothing more itself (the job's own
 * notification ends, its command says "was cancelled"). The server's own `aisci.*` command ids are
 * left to vscode-languageclient (docs/lsp.md §2); the views refresh from the notifications the
 * command causes.
 */

import * as cp from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";
import { describeFailure } from "./errors";
import type { Logs } from "./logs";
import { dataOf, pickFolder, pickIdea, pickSection, pickTemplate } from "./picks";
import type { ProposalReviewer } from "./proposals";
import type { IdeasResult, TemplateNameCheck } from "./protocol";
import type { ApiKeys } from "./secrets";
import { nextSection } from "./sections";
import type { ServerManager } from "./server";
import { SECTION } from "./settings";
import type { Status } from "./status";
import { commandTitle, nextSteps, summarise } from "./summary";
import { interpreterItems, pickInterpreterScope } from "./interpreterPick";
import type { Store } from "./views/store";
import type { PreviewPanels } from "./webviews/preview";
import type { ResultsPanels } from "./webviews/results";
import { workspaceFolderOf } from "./workspace";

export interface Parts {
  server: ServerManager;
  logs: Logs;
  keys: ApiKeys;
  store: Store;
  status: Status;
  proposals: ProposalReviewer;
  results: ResultsPanels;
  previews: PreviewPanels;
}

/** Sends one server command and tells the outcome; the result, or undefined on failure. */
/** Tells that an untrusted workspace runs nothing; true when it is trusted. */
export function trustedOrSay(what: string): boolean {
  if (vscode.workspace.isTrusted) {
    return true;
  }
  void vscode.window
    .showInformationMessage(
      `${what} did not run: this workspace is not trusted, so the AI Scientist runs nothing in it. Trust it to run commands.`,
      "Manage Workspace Trust",
    )
    .then((b) => b && vscode.commands.executeCommand("workbench.trust.manage"));
  return false;
}

export async function runServerCommand<T = Record<string, unknown>>(
  p: Parts,
  title: string,
  command: string,
  args: object,
): Promise<T | undefined> {
  if (!trustedOrSay(title)) {
    return undefined;
  }
  p.logs.info(`${command} ${JSON.stringify(args)}`);
  try {
    const result = await p.server.execute<T>(command, args);
    const summary = summarise(command, result);
    p.logs.info(`${command}: ${summary.text}`);
    if (summary.ok) {
      const steps = nextSteps(command, result, args as Record<string, unknown>);
      void vscode.window
        .showInformationMessage(`${title}: ${summary.text}`, ...steps.map((s) => s.label))
        .then((b) => {
          const step = steps.find((s) => s.label === b);
          if (step) {
            void vscode.commands.executeCommand(step.command, step.arg);
          }
        });
    } else {
      void vscode.window
        .showWarningMessage(`${title}: ${summary.text}`, "Show Logs")
        .then((b) => b && p.logs.show());
    }
    p.store.scheduleRefresh(0);
    return result;
  } catch (e) {
    const f = describeFailure(title, e);
    p.logs.info(f.message);
    if (f.severity === "info") {
      const buttons = f.trust ? ["Manage Workspace Trust"] : [];
      void vscode.window
        .showInformationMessage(f.message, ...buttons)
        .then((b) => b && vscode.commands.executeCommand("workbench.trust.manage"));
    } else if (f.severity === "warning") {
      const buttons = f.cancelJob ? ["Cancel It"] : [];
      void vscode.window.showWarningMessage(f.message, ...buttons).then((b) => {
        if (b === "Cancel It" && f.cancelJob) {
          void cancelJob(p, f.cancelJob);
        }
      });
    } else if (f.severity === "error") {
      void vscode.window.showErrorMessage(f.message, "Show Logs").then((b) => b && p.logs.show());
    }
    p.store.scheduleRefresh(0);
    return undefined;
  }
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(
      new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(file))),
    );
  } catch {
    return undefined;
  }
}

/** Asks the server to cancel a job; the job's own notification and command say the rest. */
async function cancelJob(p: Parts, job: string): Promise<void> {
  p.logs.info(`cancelling ${job}`);
  try {
    const r = await p.server.execute<{ cancelled: string[] }>("aisci.cancel", { job });
    if (!r.cancelled.length) {
      void vscode.window.showInformationMessage("That job had already finished.");
    }
  } catch (e) {
    const f = describeFailure("Cancel", e);
    p.logs.error(f.message);
    void vscode.window.showErrorMessage(f.message, "Show Logs").then((b) => b && p.logs.show());
  }
}

async function createTemplate(p: Parts): Promise<void> {
  if (!trustedOrSay("Create Template")) {
    return;
  }
  const folders = vscode.workspace.workspaceFolders ?? [];
  // Several folders: the researcher says which one the template (and its results) belongs to.
  const folder =
    folders.length > 1
      ? await vscode.window.showWorkspaceFolderPick({
          placeHolder: "The workspace folder to create the template in (under its templates/)",
          ignoreFocusOut: true,
        })
      : folders[0];
  if (folders.length > 1 && !folder) {
    return;
  }
  const root = folder?.uri.fsPath;
  if (!root) {
    void vscode.window.showErrorMessage(
      "Open a folder first: templates are created under its templates/ folder.",
    );
    return;
  }
  // Started first: it finds the interpreter (and says what is wrong with it), and it answers
  // for the name what `aisci template new` would (one rule, core/new_template.py). Should it
  // not answer, the CLI below still refuses a bad name with the same message.
  await p.server.start();
  const python = p.server.interpreter?.path;
  if (!python) {
    return;
  }
  const dir = path.join(root, "templates");
  const name = await vscode.window.showInputBox({
    title: "AI Scientist: Create Template",
    prompt: `A new template under ${dir}: a small numpy experiment, its plot script and a LaTeX skeleton that pass the template check.`,
    placeHolder: "my_template",
    // Kept open when the focus moves (a closing diff editor, a preview's refresh): a name
    // half typed is not lost to something the researcher did not do.
    ignoreFocusOut: true,
    validateInput: async (v) =>
      (await p.server.query<TemplateNameCheck>("aisci.checkTemplateName", { name: v, dir }))
        ?.problem ?? undefined,
  });
  if (!name) {
    return;
  }
  const args = ["-m", "aisci", "template", "new", name, "--dir", dir];
  p.logs.info(`${python} ${args.join(" ")}`);
  const outcome = await new Promise<{ code: number; out: string }>((resolve) => {
    cp.execFile(python, args, { cwd: root, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? 1 : 0, out: `${stdout}${stderr}`.trim() });
    });
  });
  if (outcome.out) {
    p.logs.channel.appendLine(outcome.out);
  }
  if (outcome.code !== 0) {
    void vscode.window
      .showErrorMessage(
        `Creating template ${name} failed: ${outcome.out.split("\n").pop()}`,
        "Show Logs",
      )
      .then((b) => b && p.logs.show());
    return;
  }
  await p.store.refresh();
  const experiment = vscode.Uri.file(path.join(root, "templates", name, "experiment.py"));
  await vscode.window.showTextDocument(experiment);
  const b = await vscode.window.showInformationMessage(
    `Template ${name} created.`,
    "Run Baseline",
    "Check Template",
  );
  if (b) {
    const template = path.join(root, "templates", name);
    await vscode.commands.executeCommand(
      b === "Run Baseline" ? "aiScientist.runBaseline" : "aiScientist.checkTemplate",
      { template },
    );
  }
}

async function selectInterpreter(p: Parts): Promise<void> {
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

function whichPython3(): Promise<string | undefined> {
  return new Promise((resolve) => {
    cp.execFile("/bin/sh", ["-c", "command -v python3"], { timeout: 5_000 }, (error, stdout) =>
      resolve(error ? undefined : stdout.trim() || undefined),
    );
  });
}

async function draftNext(p: Parts, arg: unknown): Promise<void> {
  const folder = await pickFolder(p.server, arg, "AI Scientist: Draft Next Section");
  if (!folder) {
    return;
  }
  const section = nextSection(await readJson(path.join(folder, "state.json")));
  if (!section) {
    const b = await vscode.window.showInformationMessage(
      `Every section of ${path.basename(folder)} is drafted.`,
      "Build Paper",
      "Review Paper",
    );
    if (b === "Build Paper") {
      await vscode.commands.executeCommand("aiScientist.buildPaper", { folder });
    } else if (b === "Review Paper") {
      await vscode.commands.executeCommand("aiScientist.review", { folder });
    }
    return;
  }
  const drafted = await runServerCommand(p, `Draft ${section}`, "aisci.draftPaper", {
    folder,
    section,
  });
  if (drafted && drafted.ok !== false) {
    await runServerCommand(p, "Build Paper", "aisci.buildPaper", { folder });
  }
}

/** The commands that run something (the server's stages, aisci in a terminal): none runs in an
 * untrusted workspace; each says so before asking anything. */
const RUNS: Record<string, string> = {
  "aiScientist.checkTemplate": "Check Template",
  "aiScientist.runBaseline": "Run Baseline",
  "aiScientist.generateIdeas": "Generate Ideas",
  "aiScientist.checkNovelty": "Check Novelty",
  "aiScientist.runExperiments": "Run Experiments",
  "aiScientist.makePlots": "Make Plots",
  "aiScientist.draftPaper": "Draft Paper",
  "aiScientist.draftNextSection": "Draft Next Section",
  "aiScientist.buildPaper": "Build Paper",
  "aiScientist.checkConsistency": "Check Numbers in Paper",
  "aiScientist.review": "Review Paper",
  "aiScientist.improve": "Improve Paper",
  "aiScientist.launch": "Launch",
  "aiScientist.createTemplate": "Create Template",
};

export function registerCommands(p: Parts): vscode.Disposable[] {
  const reg = (id: string, fn: (arg?: unknown, ...rest: unknown[]) => unknown) =>
    vscode.commands.registerCommand(id, (...args: unknown[]) =>
      id in RUNS && !trustedOrSay(RUNS[id]) ? undefined : fn(...args),
    );

  const onTemplate = (
    name: string,
    title: string,
    command: string,
    extra: (t: string) => Promise<object | undefined> = () => Promise.resolve({}),
  ) =>
    reg(`aiScientist.${name}`, async (arg) => {
      const t = await pickTemplate(p.server, arg, `AI Scientist: ${title}`);
      const more = t && (await extra(t.path));
      if (t && more) {
        return runServerCommand(p, title, command, { template: t.path, ...more });
      }
      return undefined;
    });

  const onFolder = (name: string, title: string, command: string) =>
    reg(`aiScientist.${name}`, async (arg) => {
      const folder = await pickFolder(p.server, arg, `AI Scientist: ${title}`);
      return folder ? runServerCommand(p, title, command, { folder }) : undefined;
    });

  return [
    onTemplate("checkTemplate", "Check Template", "aisci.checkTemplate"),
    reg("aiScientist.runBaseline", async (arg) => {
      const t = await pickTemplate(p.server, arg, "AI Scientist: Run Baseline");
      if (!t) {
        return;
      }
      const r = await runServerCommand(p, "Run Baseline", "aisci.runBaseline", {
        template: t.path,
      });
      if (r && r.reused) {
        const b = await vscode.window.showInformationMessage(
          `The finished baseline of ${t.name} was reused.`,
          "Run It Again",
        );
        if (b) {
          await runServerCommand(p, "Run Baseline", "aisci.runBaseline", {
            template: t.path,
            force: true,
          });
        }
      }
    }),
    onTemplate("generateIdeas", "Generate Ideas", "aisci.generateIdeas"),
    onTemplate("checkNovelty", "Check Novelty", "aisci.checkNovelty", async (template) => {
      const listed = await p.server.query<IdeasResult>("aisci.listIdeas", { template });
      const ideas = listed?.ideas ?? [];
      if (!ideas.length) {
        return {};
      }
      const picks = await vscode.window.showQuickPick(
        ideas.map((i) => ({
          label: i.name ?? "",
          description:
            i.novel === null || i.novel === undefined
              ? "not checked"
              : i.novel
                ? "novel"
                : "not novel",
          picked: i.novel === null || i.novel === undefined,
        })),
        {
          canPickMany: true,
          title: "AI Scientist: Check Novelty",
          placeHolder: "Which ideas? (none picked: every idea without a verdict)",
        },
      );
      if (picks === undefined) {
        return undefined;
      }
      return picks.length ? { ideas: picks.map((x) => x.label) } : {};
    }),
    reg("aiScientist.runExperiments", async (arg) => {
      const t = await pickIdea(p.server, arg, "AI Scientist: Run Experiments");
      return t ? runServerCommand(p, "Run Experiments", "aisci.runExperiments", t) : undefined;
    }),
    onFolder("makePlots", "Make Plots", "aisci.makePlots"),
    reg("aiScientist.draftPaper", async (arg) => {
      const folder = await pickFolder(p.server, arg, "AI Scientist: Draft Paper");
      const section = folder && (await pickSection("AI Scientist: Draft Paper"));
      if (!folder || section === undefined) {
        return;
      }
      const r = await runServerCommand(
        p,
        "Draft Paper",
        "aisci.draftPaper",
        section ? { folder, section } : { folder },
      );
      if (r && r.ok !== false) {
        await runServerCommand(p, "Build Paper", "aisci.buildPaper", { folder });
      }
    }),
    reg("aiScientist.draftNextSection", (arg) => draftNext(p, arg)),
    reg("aiScientist.buildPaper", async (arg) => {
      const folder = await pickFolder(p.server, arg, "AI Scientist: Build Paper");
      if (!folder) {
        return;
      }
      const r = await runServerCommand(p, "Build Paper", "aisci.buildPaper", { folder });
      if (r && typeof r.pdf === "string") {
        await p.previews.show(folder, r.pdf);
      }
    }),
    onFolder("checkConsistency", "Check Numbers in Paper", "aisci.checkConsistency"),
    onFolder("review", "Review Paper", "aisci.review"),
    onFolder("improve", "Improve Paper", "aisci.improve"),
    reg("aiScientist.launch", async (arg) => {
      const t = await pickTemplate(p.server, arg, "AI Scientist: Launch");
      if (!t) {
        return;
      }
      // package.json's default unless the user set one: VS Code fills it in. The template's
      // workspace folder's setting, as the server reads it.
      const configured = vscode.workspace
        .getConfiguration(SECTION, workspaceFolderOf(t.path)?.uri)
        .get<number>("numIdeas");
      const n = await vscode.window.showInputBox({
        title: `AI Scientist: Launch the whole cycle on ${t.name}`,
        prompt: "How many new ideas? (the setting aiScientist.numIdeas is the default)",
        value: configured === undefined ? undefined : String(configured),
        ignoreFocusOut: true,
        validateInput: (v) =>
          /^[1-9]\d*$/.test(v.trim()) ? undefined : "A whole number of at least 1.",
      });
      if (n === undefined) {
        return;
      }
      return runServerCommand(p, "Launch", "aisci.launch", {
        template: t.path,
        numIdeas: Number(n.trim()),
      });
    }),
    reg("aiScientist.cancel", async (arg) => {
      const d = dataOf(arg);
      if (d && "folder" in d && d.folder) {
        const r = await p.server
          .execute<{ cancelled: string[] }>("aisci.cancel", { folder: d.folder })
          .catch(() => ({ cancelled: [] }));
        if (!r.cancelled.length) {
          void vscode.window.showInformationMessage(`Nothing runs on ${path.basename(d.folder)}.`);
        }
        return;
      }
      const jobs = [...p.status.jobs.values()];
      if (!jobs.length) {
        void vscode.window.showInformationMessage("No AI Scientist job is running.");
        return;
      }
      const pick = await vscode.window.showQuickPick(
        jobs.map((j) => {
          const progress = p.server.progress.jobs.get(j.job);
          return {
            label: progress?.title ?? commandTitle(j.command),
            description: progress?.message ?? "",
            detail: j.folder ? vscode.workspace.asRelativePath(j.folder) : undefined,
            job: j.job,
          };
        }),
        {
          title: "AI Scientist: Cancel Running Job",
          placeHolder: "Cancel which job? What finished is kept.",
        },
      );
      if (pick) {
        await cancelJob(p, pick.job);
      }
    }),
    reg("aiScientist.createTemplate", () => createTemplate(p)),
    reg("aiScientist.showResults", async (arg) => {
      const folder = await pickFolder(p.server, arg, "AI Scientist: Show Results");
      if (folder) {
        await p.results.show(folder);
      }
    }),
    reg("aiScientist.openPaperPreview", async (arg) => {
      const d = dataOf(arg);
      const folder = await pickFolder(p.server, arg, "AI Scientist: Open Paper Preview");
      if (folder) {
        await p.previews.show(folder, d?.kind === "paper" ? d.pdf : undefined);
      }
    }),
    reg("aiScientist.openReview", async (arg) => {
      const d = dataOf(arg);
      const review = d?.kind === "paper" ? d.review : undefined;
      if (review) {
        await vscode.window.showTextDocument(vscode.Uri.file(review));
      } else {
        void vscode.window.showInformationMessage(
          'This paper has no review yet: run "AI Scientist: Review Paper".',
        );
      }
    }),
    reg("aiScientist.showCostLedger", () => p.status.showLedger()),
    reg("aiScientist.setApiKey", async () => {
      if (await p.keys.prompt()) {
        void vscode.window.showInformationMessage(
          "API key saved; restarting the AI Scientist server so it sees the key.",
        );
        await p.server.restart();
      }
    }),
    reg("aiScientist.acceptProposal", (arg) => p.proposals.acceptCommand(arg)),
    reg("aiScientist.showProposal", (arg) => p.proposals.showCommand(arg)),
    reg("aiScientist.showInPreview", () => p.previews.revealSource(vscode.window.activeTextEditor)),
    reg("aiScientist.rejectProposal", (arg) => p.proposals.rejectCommand(arg)),
    reg("aiScientist.restartServer", async () => {
      if (await p.server.restart()) {
        void vscode.window.showInformationMessage("The AI Scientist server is running.");
        await p.store.refresh();
      }
    }),
    reg("aiScientist.showLogs", () => p.logs.show()),
    reg("aiScientist.selectInterpreter", () => selectInterpreter(p)),
    reg("aiScientist.refresh", () => p.store.refresh()),
  ];
}
