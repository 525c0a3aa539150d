/**
 * Quick picks for what a command is about: a template, an idea, an idea folder, a section.
 *
 * Contract: each `pick*` resolves a command's target from a view node when the command came
 * from a context menu (`NodeData`), or asks with a quick pick built from the server's
 * queries; undefined when the researcher escaped (the command then does nothing).
 */

import * as path from "path";
import * as vscode from "vscode";
import type { FolderRuns, IdeasResult, TemplateInfo } from "./protocol";
import { SECTIONS, ideaFolderOf } from "./sections";
import type { ServerManager } from "./server";
import { isBaselineFolder } from "./views/runsModel";
import { stampOf, type Node, type NodeData } from "./views/treeModel";

export type Target = { template: string } | { folder: string } | { template: string; idea: string };

/** A view node, a `{folder}` / `{template}` object, or a file URI (editor title actions). */
export function dataOf(arg: unknown): NodeData | { kind: "uri"; uri: vscode.Uri } | undefined {
  if (arg instanceof vscode.Uri) {
    return { kind: "uri", uri: arg };
  }
  if (arg && typeof arg === "object") {
    const node = arg as Partial<Node> & { folder?: string; template?: string };
    if (node.data && typeof node.data === "object" && "kind" in node.data) {
      return node.data;
    }
    if (typeof node.folder === "string") {
      return { kind: "folder", folder: node.folder, baseline: isBaselineFolder(node.folder) };
    }
    if (typeof node.template === "string") {
      return { kind: "template", template: node.template, name: path.basename(node.template) };
    }
  }
  return undefined;
}

export async function pickTemplate(
  server: ServerManager,
  arg: unknown,
  title: string,
): Promise<Pick<TemplateInfo, "name" | "path"> | undefined> {
  const d = dataOf(arg);
  if (d && (d.kind === "template" || d.kind === "idea")) {
    return { name: path.basename(d.template), path: d.template };
  }
  if (d?.kind === "uri") {
    const listed = await server.query<{ templates: TemplateInfo[] }>("aisci.listTemplates", {});
    const hit = listed?.templates.find((t) => d.uri.fsPath.startsWith(t.path + path.sep));
    if (hit) {
      return hit;
    }
  }
  if (!(await server.start())) {
    return undefined;
  }
  const listed = await server.query<{ templates: TemplateInfo[] }>("aisci.listTemplates", {});
  const templates = listed?.templates ?? [];
  if (!templates.length) {
    const pick = await vscode.window.showWarningMessage(
      "No research template in this workspace (a folder with experiment.py and prompt.json under templates/).",
      "Create Template",
    );
    if (pick) {
      await vscode.commands.executeCommand("aiScientist.createTemplate");
    }
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    templates.map((t) => ({
      label: t.name,
      description: Object.keys(t.baseline ?? {}).length
        ? `baseline: ${Object.keys(t.baseline ?? {}).join(", ")}`
        : "no baseline yet",
      detail: t.path,
      template: t,
    })),
    { title, placeHolder: "Which template?" },
  );
  return pick?.template;
}

/** `{template, idea}`, or `{folder}` when the node is an idea folder already. */
export async function pickIdea(
  server: ServerManager,
  arg: unknown,
  title: string,
): Promise<Target | undefined> {
  const d = dataOf(arg);
  if (d?.kind === "idea") {
    return d.folder ? { folder: d.folder } : { template: d.template, idea: d.name };
  }
  if (d?.kind === "folder" || d?.kind === "paper" || d?.kind === "run") {
    return { folder: d.folder };
  }
  const template = await pickTemplate(server, arg, title);
  if (!template) {
    return undefined;
  }
  const result = await server.query<IdeasResult>("aisci.listIdeas", { template: template.path });
  const ideas = result?.ideas ?? [];
  if (!ideas.length) {
    void vscode.window.showWarningMessage(
      `Template ${template.name} has no ideas yet: run "AI Scientist: Generate Ideas" first.`,
    );
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    ideas.map((i) => ({
      label: i.name ?? "",
      description: i.novel === true ? "novel" : i.novel === false ? "not novel" : "not checked",
      detail: i.title ?? undefined,
      idea: i,
    })),
    { title, placeHolder: "Which idea?" },
  );
  return pick ? { template: template.path, idea: pick.idea.name ?? "" } : undefined;
}

/** An idea folder (`results/<template>/<stamp>_<idea>`). */
export async function pickFolder(
  server: ServerManager,
  arg: unknown,
  title: string,
): Promise<string | undefined> {
  const d = dataOf(arg);
  if (d?.kind === "folder" || d?.kind === "paper" || d?.kind === "run") {
    return d.folder;
  }
  if (d?.kind === "idea" && d.folder) {
    return d.folder;
  }
  if (d?.kind === "uri") {
    const folder = ideaFolderOf(d.uri.fsPath);
    if (folder) {
      return folder;
    }
  }
  const editorFile = vscode.window.activeTextEditor?.document.uri;
  if (!d && editorFile?.scheme === "file") {
    const folder = ideaFolderOf(editorFile.fsPath);
    if (folder) {
      return folder;
    }
  }
  if (!(await server.start())) {
    return undefined;
  }
  const listed = await server.query<{ templates: TemplateInfo[] }>("aisci.listTemplates", {});
  const items: (vscode.QuickPickItem & { folder: string })[] = [];
  for (const t of listed?.templates ?? []) {
    if (d?.kind === "template" && d.template !== t.path) {
      continue;
    }
    const runs = await server.query<{ folders: (FolderRuns | string)[] }>("aisci.listRuns", {
      template: t.path,
    });
    for (const f of runs?.folders ?? []) {
      const folder = typeof f === "string" ? f : f.folder;
      if (isBaselineFolder(folder)) {
        continue;
      }
      const idea =
        typeof f === "string"
          ? path.basename(folder).replace(/^\d{8}_\d{6}_/, "")
          : (f.idea ?? path.basename(folder));
      items.push({
        label: idea,
        description: `${t.name} · ${stampOf(folder) ?? ""}`,
        detail: folder,
        folder,
      });
    }
  }
  if (!items.length) {
    void vscode.window.showWarningMessage(
      'No idea folder yet: run "AI Scientist: Run Experiments" or "AI Scientist: Launch" first.',
    );
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(items, {
    title,
    placeHolder: "Which idea folder?",
  });
  return pick?.folder;
}

export async function pickSection(title: string): Promise<string | null | undefined> {
  const pick = await vscode.window.showQuickPick(
    [
      { label: "All sections", section: null as string | null },
      ...SECTIONS.map((s) => ({ label: s, section: s })),
    ],
    { title, placeHolder: "Which section?" },
  );
  return pick === undefined ? undefined : pick.section;
}
