/**
 * The palette and context-menu commands (category "AI Scientist"): registers them all, with the
 * extension's own quick ones (views, previews, proposals, keys, the server, the log) here.
 *
 * Contract: a server command is wrapped as `aiScientist.<name>`: it resolves its target (picks.ts),
 * sends `aisci.<name>` with one object argument, and reports the outcome (serverCommand.ts); the
 * research cycle's commands and cancel live in stageCommands.ts, "Create Template" in
 * createTemplate.ts, "New Research from Topic…", "Check Topic" and "Draft Template from Topic"
 * in topic.ts, "Select Python Interpreter" in selectInterpreter.ts. In an untrusted
 * workspace nothing runs: each command in `RUNS` says so, with "Manage Workspace Trust", before
 * asking anything. The server's own `aisci.*` command ids are left to vscode-languageclient
 * (docs/lsp.md §2); the views refresh from the notifications the command causes.
 */

import * as vscode from "vscode";
import { createTemplate } from "./createTemplate";
import { dataOf, pickFolder } from "./picks";
import { selectInterpreter } from "./selectInterpreter";
import { type Parts, type Register, trustedOrSay } from "./serverCommand";
import { registerStageCommands } from "./stageCommands";
import { checkTopic, draftTemplate, newTopic } from "./topic";

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
  "aiScientist.reproduce": "Reproduce Paper's Results",
  "aiScientist.review": "Review Paper",
  "aiScientist.improve": "Improve Paper",
  "aiScientist.launch": "Launch",
  "aiScientist.createTemplate": "Create Template",
  "aiScientist.newTopic": "New Research from Topic",
  "aiScientist.checkTopic": "Check Topic",
  "aiScientist.draftTemplate": "Draft Template",
};

export function registerCommands(p: Parts): vscode.Disposable[] {
  const reg: Register = (id, fn) =>
    vscode.commands.registerCommand(id, (...args: unknown[]) =>
      id in RUNS && !trustedOrSay(RUNS[id]) ? undefined : fn(...args),
    );

  return [
    ...registerStageCommands(p, reg),
    reg("aiScientist.createTemplate", () => createTemplate(p)),
    reg("aiScientist.newTopic", () => newTopic(p)),
    reg("aiScientist.checkTopic", (arg) => checkTopic(p, arg)),
    reg("aiScientist.draftTemplate", (arg) => draftTemplate(p, arg)),
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
