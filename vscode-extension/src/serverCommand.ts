/**
 * Sending one server command from the palette and telling how it went: what every command
 * module (commands.ts, stageCommands.ts, createTemplate.ts, selectInterpreter.ts) shares.
 *
 * Contract: `runServerCommand(p, title, command, args)` refuses in an untrusted workspace
 * (`trustedOrSay`: a message with "Manage Workspace Trust"), else sends `command` with one object
 * argument and tells the outcome: a one-line summary (summary.ts) with buttons for the natural
 * next steps, a warning with "Show Logs" when the result says it did not succeed, or the failure
 * (errors.ts, shown by tell.ts). It resolves to the result, or undefined on a refusal or failure,
 * and schedules a view refresh either way. `cancelJob(p, job)` asks the server to cancel one job
 * and says only when there was nothing left to cancel: the job's own notification and command
 * say the rest.
 */

import * as vscode from "vscode";
import { describeFailure, titled } from "./errors";
import type { Logs } from "./logs";
import type { ProposalReviewer } from "./proposals";
import type { ApiKeys } from "./secrets";
import type { ServerManager } from "./server";
import type { Status } from "./status";
import { nextSteps, summarise } from "./summary";
import { tell } from "./tell";
import type { Store } from "./views/store";
import type { PreviewPanels } from "./webviews/preview";
import type { ResultsPanels } from "./webviews/results";

/** What the commands act on: the extension's long-lived parts (extension.ts makes them). */
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

/** Registers one palette command (commands.ts adds the trust gate of the commands that run). */
export type Register = (
  id: string,
  fn: (arg?: unknown, ...rest: unknown[]) => unknown,
) => vscode.Disposable;

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

/** Sends one server command and tells the outcome; the result, or undefined on failure. */
export async function runServerCommand<T = Record<string, unknown>>(
  p: Parts,
  title: string,
  command: string,
  args: object,
): Promise<T | undefined> {
  if (!trustedOrSay(title)) {
    return undefined;
  }
  p.logs.info(`${title} ${JSON.stringify(args)}`);
  try {
    const result = await p.server.execute<T>(command, args);
    const summary = summarise(command, result);
    p.logs.info(titled(title, summary.text));
    if (summary.ok) {
      const steps = nextSteps(command, result, args as Record<string, unknown>);
      void vscode.window
        .showInformationMessage(titled(title, summary.text), ...steps.map((s) => s.label))
        .then((b) => {
          const step = steps.find((s) => s.label === b);
          if (step) {
            void vscode.commands.executeCommand(step.command, step.arg);
          }
        });
    } else {
      void vscode.window
        .showWarningMessage(titled(title, summary.text), "Show Logs")
        .then((b) => b && p.logs.show());
    }
    p.store.scheduleRefresh(0);
    return result;
  } catch (e) {
    void tell(describeFailure(title, e), { logs: p.logs, cancel: (job) => cancelJob(p, job) });
    p.store.scheduleRefresh(0);
    return undefined;
  }
}

/** Asks the server to cancel a job; the job's own notification and command say the rest. */
export async function cancelJob(p: Parts, job: string): Promise<void> {
  p.logs.info(`cancelling ${job}`);
  try {
    const r = await p.server.execute<{ cancelled: string[] }>("aisci.cancel", { job });
    if (!r.cancelled.length) {
      void vscode.window.showInformationMessage("That job had already finished.");
    }
  } catch (e) {
    void tell(describeFailure("Cancel", e), { logs: p.logs });
  }
}
