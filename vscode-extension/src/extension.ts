/**
 * The AI Scientist extension: wires the server, the views, the commands, the status bar,
 * the proposal reviews and the webviews together.
 *
 * Contract: activation starts `aisci lsp` (server.ts) and fills the views once it answers;
 * every `aisci/*` notification schedules a view refresh; pending proposals are counted in
 * the status bar. Deactivation stops the server (which ends its jobs' processes).
 */

import * as vscode from "vscode";
import { registerCommands } from "./commands";
import { Logs } from "./logs";
import { ProposalReviewer } from "./proposals";
import { ApiKeys } from "./secrets";
import { ServerManager } from "./server";
import { Status } from "./status";
import { Store } from "./views/store";
import { registerViews } from "./views/trees";
import { PreviewPanels } from "./webviews/preview";
import { ResultsPanels } from "./webviews/results";

let server: ServerManager | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const logs = new Logs();
  const keys = new ApiKeys(context.secrets);
  const proposals = new ProposalReviewer(context.globalStorageUri, logs);
  server = new ServerManager(logs, keys, proposals);
  const store = new Store(server);
  const status = new Status(server);
  const results = new ResultsPanels(server, context.extensionUri);
  const previews = new PreviewPanels(server, context.extensionUri, logs);
  const parts = { server, logs, keys, store, status, proposals, results, previews };

  context.subscriptions.push(
    logs,
    proposals,
    server,
    store,
    status,
    results,
    previews,
    ...registerViews(store),
    ...registerCommands(parts),
    proposals.onDidChangeCount((n) => {
      status.setProposals(n);
      void vscode.commands.executeCommand("setContext", "aiScientist.proposalsPending", n > 0);
    }),
    server.onNotification((n) => {
      if (n.method === "aisci/log") {
        const p = n.params as { level?: string; message?: string };
        logs.info(`${p.level ?? "info"}: ${p.message ?? ""}`);
      }
      if (n.method !== "aisci/costUpdated" && n.method !== "aisci/log") {
        store.scheduleRefresh();
      }
    }),
    server.onDidChangeState((state) => {
      if (state === "running") {
        void store.refresh();
      } else if (state === "failed") {
        store.clear();
      }
    }),
  );
  void vscode.commands.executeCommand("setContext", "aiScientist.noTemplates", false);
  void server.start(); // not awaited: the commands are usable at once and wait for it themselves
}

export async function deactivate(): Promise<void> {
  await server?.stop();
  server = undefined;
}
