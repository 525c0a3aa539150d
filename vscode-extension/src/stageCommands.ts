/**
 * The research cycle's commands: one per server stage (check, baseline, ideas, novelty,
 * experiments, plots, drafting, build, numbers, review, improve, launch), and cancelling a
 * running job.
 *
 * Contract: each resolves its target (picks.ts: the view node it was invoked on, else a quick
 * pick), asks what else the stage needs (the ideas to check, the section to draft, how many
 * ideas to launch with), and hands over to `runServerCommand`; escaping any question runs
 * nothing. Some chain the natural follow-up: a draft is built, a built paper is previewed, a
 * reused baseline offers "Run It Again", "Draft Next Section" drafts the first section the
 * idea's state.json lacks (or, with none left, offers build and review). Cancel picks a running
 * job by its title, stage and folder, or cancels what runs on the folder it was invoked on.
 * Registered through commands.ts's `reg`, which refuses them in an untrusted workspace.
 */

import * as path from "path";
import * as vscode from "vscode";
import { dataOf, pickFolder, pickIdea, pickSection, pickTemplate } from "./picks";
import type { IdeasResult } from "./protocol";
import { nextSection } from "./sections";
import { cancelJob, type Parts, type Register, runServerCommand } from "./serverCommand";
import { SECTION } from "./settings";
import { commandTitle } from "./summary";
import { workspaceFolderOf } from "./workspace";

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(
      new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(file))),
    );
  } catch {
    return undefined;
  }
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

/** Which ideas to check: undefined when escaped, `{}` for "every idea without a verdict". */
async function pickIdeasToCheck(p: Parts, template: string): Promise<object | undefined> {
  const listed = await p.server.query<IdeasResult>("aisci.listIdeas", { template });
  const ideas = listed?.ideas ?? [];
  if (!ideas.length) {
    return {};
  }
  const picks = await vscode.window.showQuickPick(
    ideas.map((i) => ({
      label: i.name ?? "",
      description:
        i.novel === null || i.novel === undefined ? "not checked" : i.novel ? "novel" : "not novel",
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
}

async function launch(p: Parts, arg: unknown): Promise<unknown> {
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
}

async function cancel(p: Parts, arg: unknown): Promise<void> {
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
}

export function registerStageCommands(p: Parts, reg: Register): vscode.Disposable[] {
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
    onTemplate("checkNovelty", "Check Novelty", "aisci.checkNovelty", (template) =>
      pickIdeasToCheck(p, template),
    ),
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
    onFolder("reproduce", "Reproduce Paper's Results", "aisci.reproduce"),
    onFolder("review", "Review Paper", "aisci.review"),
    onFolder("improve", "Improve Paper", "aisci.improve"),
    reg("aiScientist.launch", (arg) => launch(p, arg)),
    reg("aiScientist.cancel", (arg) => cancel(p, arg)),
  ];
}
