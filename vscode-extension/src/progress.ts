/**
 * The server's long jobs as cancellable progress notifications, and what each runs now.
 *
 * Contract: `JobProgress.attach(client)` takes over `window/workDoneProgress/create` from
 * vscode-languageclient (whose progress is a status-bar spinner only): each token's
 * `$/progress` becomes a `vscode.window.withProgress` notification titled with the job's
 * title (e.g. "Launch of tiny"), whose message is the latest report (the stage, or while a run
 * trains "run 1 of 3 · step 400/1,250 · 0:42 elapsed · ~1:20 left", the percentage when known) and whose Cancel button sends
 * `window/workDoneProgress/cancel` for the token; `end` closes it. `jobs` holds what every
 * running job is doing (title, last message, folder), and `onDidChange` fires on each change:
 * the status bar and the Cancel picker read them. The server's token is the job id
 * (docs/lsp.md §2).
 */

import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
// The protocol types only (vscode-languageclient itself needs a real `vscode`).
import {
  WorkDoneProgress,
  WorkDoneProgressCancelNotification,
  WorkDoneProgressCreateRequest,
} from "vscode-languageserver-protocol";

export interface JobState {
  token: string;
  title: string;
  message: string;
  percentage?: number;
  started: number;
}

/** The line a report shows: its message, and the percentage when the stage knows it. */
export function reportText(message: string | undefined, percentage: number | undefined): string {
  const text = (message ?? "").trim();
  return percentage !== undefined && percentage !== null
    ? `${text}${text ? " " : ""}(${Math.round(percentage)}%)`
    : text;
}

export class JobProgress implements vscode.Disposable {
  readonly jobs = new Map<string, JobState>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly parts: vscode.Disposable[] = [];

  attach(client: LanguageClient): void {
    client.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
      const key = String(token);
      let report: ((v: { message?: string; increment?: number }) => void) | undefined;
      let finish: (() => void) | undefined;
      let reported = 0;
      const ended = new Promise<void>((resolve) => (finish = resolve));
      const handler = client.onProgress(WorkDoneProgress.type, token, (value) => {
        if (value.kind === "begin") {
          this.jobs.set(key, {
            token: key,
            title: value.title,
            message: value.message ?? "",
            started: Date.now(),
          });
          void vscode.window.withProgress(
            {
              location: vscode.ProgressLocation.Notification,
              title: value.title,
              cancellable: value.cancellable ?? true,
            },
            (progress, cancel) => {
              report = (v) => progress.report(v);
              cancel.onCancellationRequested(() => {
                void client.sendNotification(WorkDoneProgressCancelNotification.type, { token });
              });
              return ended;
            },
          );
        } else if (value.kind === "report") {
          const job = this.jobs.get(key);
          if (job) {
            job.message = value.message ?? job.message;
            job.percentage = value.percentage ?? undefined;
          }
          // VS Code's bar only grows: a new stage's lower percentage shows in the text only.
          const increment =
            value.percentage !== undefined && value.percentage > reported
              ? value.percentage - reported
              : undefined;
          reported = Math.max(reported, value.percentage ?? 0);
          report?.({ message: reportText(value.message, value.percentage), increment });
        } else {
          this.jobs.delete(key);
          handler.dispose();
          finish?.();
        }
        this.changed.fire();
      });
      this.parts.push(handler, { dispose: () => finish?.() });
    });
  }

  /** The server went away: its jobs ended with it. */
  clear(): void {
    for (const d of this.parts.splice(0)) {
      d.dispose();
    }
    this.jobs.clear();
    this.changed.fire();
  }

  dispose(): void {
    this.clear();
    this.changed.dispose();
  }
}
