/**
 * Research from a topic (docs/topics.md): "AI Scientist: New Research from Topic…" writes a topic
 * file from the example and opens it; "Check Topic" checks it; "Draft Template from Topic" has a
 * model draft a runnable template from it.
 *
 * Contract: each refuses in an untrusted workspace (`trustedOrSay`). New Research asks the
 * workspace folder (several open) and a snake_case name, each keystroke checked by the server's
 * `aisci.checkTemplateName` against `<folder>/templates` (the topic becomes a template of that
 * name) and against an existing `<folder>/topics/<name>.md`; `aisci.newTopic` writes it there,
 * it opens in an editor, and "Edit the topic, then Draft Template" offers **Draft Template**.
 * Check Topic and Draft Template take the `.md` they were invoked on (the editor's title
 * button), `{topic}`, or the active editor's `.md`; they save the file and run
 * `aisci.checkTopic` (its problems go to the Problems panel; an error stops them with one
 * message). Draft Template then runs `aisci.draftTemplate` into `<folder>/templates`: the
 * server's job progress is the cancellable notification (progress.ts); a failure is told as
 * every command's (errors.ts), the want of a model in the editor's words, with **Open
 * Settings** and **Create Template**. On success the Templates view is refreshed and one
 * message names the template, with **Open experiment.py** and **Run Baseline**.
 * `draftedText`, `topicProblemsText` and `noModelText` are pure, unit-tested.
 */

import * as path from "path";
import * as vscode from "vscode";
import { describeFailure } from "./errors";
import type { TemplateDrafted, TemplateNameCheck, TopicCheck, TopicWritten } from "./protocol";
import { cancelJob, type Parts, trustedOrSay } from "./serverCommand";
import { usd } from "./status";
import { tell } from "./tell";
import { chooseWorkspaceRoot, workspaceFolderOf } from "./workspace";

const NEW = "New Research from Topic";
const DRAFT = "Draft Template";
const CHECK = "Check Topic";

/** The one line after a drafting: the template, the winning node, the nodes tried, the cost. */
export function draftedText(r: TemplateDrafted): string {
  if (r.reused) {
    return `Template ${r.name} was drafted earlier (${r.winnerLabel}); nothing was asked.`;
  }
  const cost =
    r.costUsd === null && !r.costUnknown ? "" : `, cost ${usd(r.costUsd, r.costUnknown)}`;
  return `Template ${r.name} drafted from ${path.basename(r.topic)}: ${r.winnerLabel} passed after ${r.nodes} node(s)${cost}. A model wrote its experiment.py: read it before you run it.`;
}

/** The message of a topic that cannot be drafted from: its errors counted, the first named. */
export function topicProblemsText(check: TopicCheck): string {
  const errors = check.problems.filter((p) => p.severity === "error");
  const first = errors[0];
  const where = first ? ` (line ${first.line ?? "?"}: ${first.message})` : "";
  return `${path.basename(check.topic)} has ${errors.length} problem(s) to fix before drafting${where}; all are in the Problems panel.`;
}

/** A drafting refused for want of a model, in the editor's words (its settings, its Create
 * Template, not the CLI's flags); undefined for any other failure. */
export function noModelText(message: string): string | undefined {
  if (!message.includes("needs a model")) {
    return undefined;
  }
  return `${DRAFT} did not run: drafting a template from a topic needs a model, and aiScientist.model is empty (the sweep scientist only changes the knobs of code that exists). Set aiScientist.model (e.g. gpt-4o), or write the template by hand with Create Template.`;
}

/** The topic file a Draft Template was invoked on: a Uri, `{topic}`, else the active `.md`. */
function topicOf(arg: unknown): string | undefined {
  if (arg instanceof vscode.Uri) {
    return arg.fsPath;
  }
  const topic = (arg as { topic?: unknown } | undefined)?.topic;
  if (typeof topic === "string") {
    return topic;
  }
  const doc = vscode.window.activeTextEditor?.document;
  return doc && doc.uri.scheme === "file" && doc.fileName.endsWith(".md")
    ? doc.fileName
    : undefined;
}

async function exists(file: string): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(vscode.Uri.file(file));
    return true;
  } catch {
    return false;
  }
}

export async function newTopic(p: Parts): Promise<void> {
  if (!trustedOrSay(NEW)) {
    return;
  }
  const root = await chooseWorkspaceRoot(
    "The workspace folder of the research (its topics/ and templates/)",
    "Open a folder first: the topic is written under its topics/ folder.",
  );
  if (!root) {
    return;
  }
  await p.server.start();
  const topics = path.join(root, "topics");
  const templates = path.join(root, "templates");
  const name = await vscode.window.showInputBox({
    title: `AI Scientist: ${NEW}`,
    prompt: `A topic file under ${topics} (the question, the metric, the budget); a model then drafts the template ${templates}/<name> from it.`,
    placeHolder: "my_study",
    ignoreFocusOut: true,
    validateInput: async (v) => {
      const problem = (
        await p.server.query<TemplateNameCheck>("aisci.checkTemplateName", {
          name: v,
          dir: templates,
        })
      )?.problem;
      if (problem) {
        return problem;
      }
      return (await exists(path.join(topics, `${v}.md`)))
        ? `${path.join(topics, `${v}.md`)} already exists: open it, or choose another name.`
        : undefined;
    },
  });
  if (!name) {
    return;
  }
  let written: TopicWritten;
  try {
    written = await p.server.execute<TopicWritten>("aisci.newTopic", { name, dir: topics });
  } catch (e) {
    void tell(describeFailure(NEW, e), { logs: p.logs });
    return;
  }
  p.logs.info(`${NEW}: wrote ${written.path}`);
  const uri = vscode.Uri.file(written.path);
  await vscode.window.showTextDocument(uri);
  const b = await vscode.window.showInformationMessage(
    `Edit the topic, then Draft Template: a model writes ${name}'s experiment and runs it at smoke scale.`,
    DRAFT,
  );
  if (b) {
    await vscode.commands.executeCommand("aiScientist.draftTemplate", uri);
  }
}

/** The topic saved and checked: its check when it can be drafted from; else undefined, its
 * problems (in the Problems panel) or the failure told. */
async function checked(p: Parts, title: string, arg: unknown): Promise<TopicCheck | undefined> {
  const topic = topicOf(arg);
  if (!topic) {
    void vscode.window.showInformationMessage(
      `Open a topic file (.md) first: "AI Scientist: ${NEW}…" writes one.`,
    );
    return undefined;
  }
  const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === topic);
  if (open?.isDirty && !(await open.save())) {
    return undefined;
  }
  let check: TopicCheck;
  try {
    check = await p.server.execute<TopicCheck>("aisci.checkTopic", { path: topic });
  } catch (e) {
    void tell(describeFailure(title, e), { logs: p.logs });
    return undefined;
  }
  if (!check.ok) {
    const b = await vscode.window.showErrorMessage(topicProblemsText(check), "Show Problems");
    if (b) {
      await vscode.commands.executeCommand("workbench.actions.view.problems");
    }
    return undefined;
  }
  return check;
}

export async function checkTopic(p: Parts, arg: unknown): Promise<void> {
  const check = trustedOrSay(CHECK) ? await checked(p, CHECK, arg) : undefined;
  if (check) {
    const warnings = check.problems.length
      ? ` (${check.problems.length} warning(s) in Problems)`
      : "";
    const b = await vscode.window.showInformationMessage(
      `${path.basename(check.topic)} passes the check${warnings}: it drafts into templates/${check.name}.`,
      DRAFT,
    );
    if (b) {
      await vscode.commands.executeCommand("aiScientist.draftTemplate", { topic: check.topic });
    }
  }
}

export async function draftTemplate(p: Parts, arg: unknown): Promise<void> {
  const check = trustedOrSay(DRAFT) ? await checked(p, DRAFT, arg) : undefined;
  if (!check) {
    return;
  }
  const topic = check.topic;
  try {
    const root = workspaceFolderOf(topic)?.uri.fsPath ?? path.dirname(topic);
    const dir = path.join(root, "templates");
    p.logs.info(`${DRAFT} ${JSON.stringify({ topic, dir })}`);
    const r = await p.server.execute<TemplateDrafted>("aisci.draftTemplate", { topic, dir });
    p.logs.info(`${DRAFT}: ${draftedText(r)}`);
    await p.store.refresh();
    const b = await vscode.window.showInformationMessage(
      draftedText(r),
      "Open experiment.py",
      "Run Baseline",
    );
    if (b === "Open experiment.py") {
      await vscode.window.showTextDocument(vscode.Uri.file(path.join(r.template, "experiment.py")));
    } else if (b === "Run Baseline") {
      await vscode.commands.executeCommand("aiScientist.runBaseline", { template: r.template });
    }
  } catch (e) {
    const failure = describeFailure(DRAFT, e);
    const text = noModelText(failure.message);
    if (text) {
      p.logs.info(failure.message);
      const b = await vscode.window.showErrorMessage(text, "Open Settings", "Create Template");
      if (b === "Open Settings") {
        await vscode.commands.executeCommand("workbench.action.openSettings", "aiScientist.model");
      } else if (b === "Create Template") {
        await vscode.commands.executeCommand("aiScientist.createTemplate");
      }
      return;
    }
    void tell(failure, { logs: p.logs, cancel: (job) => cancelJob(p, job) });
    p.store.scheduleRefresh(0);
  }
}
