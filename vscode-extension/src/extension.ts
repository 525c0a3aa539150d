/**
 * The AI Scientist extension: wires the server, the views, the commands, the status bar,
 * the proposal reviews and the webviews together.
 *
 * Contract: activation registers the views first (their welcome says the server is starting),
 * starts `aisci lsp` quietly (server.ts: a missing Python is said in the side bar, not in a
 * pop-up) and fills the views once it answers, logging how long that took after its first
 * answer; every `aisci/*` notification schedules a view refresh; pending proposals are
 * counted in the status bar. The preview and results panels come back after a reload
 * (webview serializers). Deactivation stops the server (which ends its jobs' processes).
 * The server's `aisci/log` lines are in the log once, as its `window/logMessage`.
 */

import * as vscode from "vscode";
import { registerCommands } from "./commands";
import { Logs } from "./logs";
import { ProposalReviewer } from "./proposals";
import { ApiKeys } from "./secrets";
import { ServerManager } from "./server";
import { Setup } from "./setup";
import { Status } from "./status";
import { Store } from "./views/store";
import { SearchTreeView } from "./views/searchTree";
import { registerViews } from "./views/trees";
import { PreviewPanels } from "./webviews/preview";
import { ResultsPanels } from "./webviews/results";

let server: ServerManager | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const activated = Date.now();
  let firstLoad = true;
  const logs = new Logs();
  const keys = new ApiKeys(context.secrets);
  const proposals = new ProposalReviewer(logs);
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
    ...registerViews(store, server),
    new SearchTreeView(server, store),
    vscode.window.registerWebviewPanelSerializer("aiScientist.preview", previews),
    vscode.window.registerWebviewPanelSerializer("aiScientist.results", results),
    ...registerCommands(parts),
    ...new Setup(server, logs, context.extensionUri).register(),
    proposals.onDidChangeCount((n) => {
      status.setProposals(n);
      void vscode.commands.executeCommand("setContext", "aiScientist.proposalsPending", n > 0);
    }),
    server.onNotification((n) => {
      if (n.method !== "aisci/costUpdated" && n.method !== "aisci/log") {
        store.scheduleRefresh();
      }
    }),
    store.onDidLoad((ms) => {
      if (firstLoad && server?.answeredAt !== undefined) {
        firstLoad = false;
        logs.info(
          `views filled ${Date.now() - server.answeredAt} ms after the server's first answer (the queries took ${ms} ms; ${Date.now() - activated} ms after activation)`,
        );
      }
    }),
    // A failed server's views keep their items, marked stale (views/notice.ts).
    server.onDidChangeState((state) => state === "running" && void store.refresh()),
  );
  void vscode.commands.executeCommand("setContext", "aiScientist.noTemplates", false);
  // Not awaited: the commands are usable at once and wait for it themselves. Quiet: nobody
  // asked for this start, so a missing Python is said in the side bar only.
  void server.start({ quiet: true });
}

export async function deactivate(): Promise<void> {
  await server?.stop();
  server = undefined;
}
