/**
 * The language client for `aisci lsp`, as server.ts starts it: what it is started with and what
 * it listens to.
 *
 * Contract: `createClient(o)` makes a client (not started) that runs `<python> -m aisci lsp` over
 * stdio in the workspace root with `o.env`, for the files aisci gives diagnostics on (.tex, .bib,
 * ideas.json, a template's json and experiment/plot scripts). Its `initializationOptions` are
 * `settingsPayload()` with `showsFailures` (a failed command is told once, by errors.ts); its
 * own pop-ups go to the log only, and it never restarts the server itself: a closed connection
 * calls `o.onClosed`, restarts are server.ts's. Every `aisci/*` notification goes to
 * `o.onNotification`; `aisci/reviewProposal` requests go to the `ProposalReviewer`.
 * `settingsPayload()` is also what `workspace/didChangeConfiguration` sends.
 */

import * as vscode from "vscode";
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
} from "vscode-languageclient/node";
import type { Logs } from "./logs";
import { NOTIFICATIONS, ReviewProposalParams } from "./protocol";
import type { ProposalReviewer } from "./proposals";
import { folderSettings, SECTION, serverSettings, ServerSettings } from "./settings";

export interface Notification {
  method: string;
  params: unknown;
}

export function currentServerSettings() {
  const config = vscode.workspace.getConfiguration(SECTION);
  return serverSettings((key) => config.get(key));
}

/**
 * The settings the server gets: the window's (`aiScientist`), and under `folders` what each
 * workspace folder's own settings change (by the folder's URI; a folder that changes nothing is
 * left out). The server applies a folder's to the commands on paths inside it.
 */
export function settingsPayload(): {
  [SECTION]: ServerSettings;
  folders: Record<string, ServerSettings>;
} {
  const base = currentServerSettings();
  const folders: Record<string, ServerSettings> = {};
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const config = vscode.workspace.getConfiguration(SECTION, folder.uri);
    const own = folderSettings(
      base,
      serverSettings((key) => config.get(key)),
    );
    if (Object.keys(own).length) {
      folders[folder.uri.toString()] = own;
    }
  }
  return { [SECTION]: base, folders };
}

/**
 * vscode-languageclient shows its own error pop-ups ("couldn't create connection to server",
 * "Server initialization failed"); the manager shows one message that says why and what to
 * do, so the client's go to the log only.
 */
class QuietClient extends LanguageClient {
  override error(message: string, data?: unknown): void {
    super.error(message, data, false);
  }
}

export interface ClientSetup {
  python: string;
  root: string | undefined;
  env: NodeJS.ProcessEnv;
  logs: Logs;
  proposals: ProposalReviewer;
  /** The connection closed (a crash, unless the manager was stopping or starting it). */
  onClosed: () => void;
  onNotification: (n: Notification) => void;
}

export function createClient(o: ClientSetup): LanguageClient {
  const serverOptions: ServerOptions = {
    command: o.python,
    args: ["-m", "aisci", "lsp"],
    options: { cwd: o.root, env: o.env },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", pattern: "**/*.tex" },
      { scheme: "file", pattern: "**/*.bib" },
      { scheme: "file", pattern: "**/ideas.json" },
      { scheme: "file", pattern: "**/{prompt,seed_ideas,knobs}.json" },
      { scheme: "file", pattern: "**/{experiment,plot}.py" },
    ],
    outputChannel: o.logs.channel,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    // showsFailures: a failed command is told once, by errors.ts, with its fix as a button.
    initializationOptions: { ...settingsPayload(), showsFailures: true },
    // A failed initialize is a crash at start-up, handled by the manager (no pop-up of the client's).
    initializationFailedHandler: (error) => {
      o.logs.info(`initialize failed: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    },
    errorHandler: {
      error: (_error, _message, count) => ({
        action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown,
      }),
      // Restarts are the manager's (one policy for a crash at start-up and a crash later), so
      // the client itself never restarts.
      closed: () => {
        o.onClosed();
        return { action: CloseAction.DoNotRestart, handled: true };
      },
    },
  };
  const client = new QuietClient("aiScientist", "AI Scientist", serverOptions, clientOptions);
  for (const method of NOTIFICATIONS) {
    client.onNotification(method, (params: unknown) => o.onNotification({ method, params }));
  }
  client.onRequest(
    "aisci/reviewProposal",
    (params: ReviewProposalParams, token: vscode.CancellationToken) =>
      o.proposals.review(params, token),
  );
  return client;
}
