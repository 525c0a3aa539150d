/**
 * Shows a failure that errors.ts worded, and runs the fix its button names.
 *
 * Contract: `tell(failure, deps)` shows the message at its severity with the failure's buttons
 * and, on a click, runs that fix: opens the file at its line, the run's log, the AI Scientist
 * log, the interpreter picker, TeX's install command, a job's cancel (`deps.cancel`), or the
 * workspace trust editor. It logs the message at info for a cancel or a refusal, else at error.
 * `showInstallTex()` backs "Install TeX…" everywhere (errors and build banners alike).
 */

import * as vscode from "vscode";
import type { Failure, Fix } from "./errors";
import type { Logs } from "./logs";

/** What TeX needs on Debian/Ubuntu; the aisci repository's `make setup` does the same. */
export const TEX_INSTALL =
  "sudo apt-get install texlive-latex-base texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended texlive-science latexmk chktex";

export interface TellDeps {
  logs: Logs;
  cancel?: (job: string) => unknown;
}

export async function showInstallTex(): Promise<void> {
  const b = await vscode.window.showInformationMessage(
    "Install TeX Live, then run the command again.",
    {
      modal: true,
      detail: `On Debian or Ubuntu, in a terminal:\n\n${TEX_INSTALL}\n\n(or \`make setup\` in the aisci repository). On macOS: MacTeX; on Windows: TeX Live or MiKTeX.`,
    },
    "Copy Command",
  );
  if (b === "Copy Command") {
    await vscode.env.clipboard.writeText(TEX_INSTALL);
  }
}

export async function runFix(fix: Fix, deps: TellDeps): Promise<void> {
  switch (fix.kind) {
    case "open": {
      const line = Math.max(0, fix.line - 1);
      await vscode.window.showTextDocument(vscode.Uri.file(fix.file), {
        selection: new vscode.Range(line, 0, line, 0),
      });
      return;
    }
    case "openLog":
      await vscode.window.showTextDocument(vscode.Uri.file(fix.file));
      return;
    case "showLogs":
      deps.logs.show();
      return;
    case "selectInterpreter":
      await vscode.commands.executeCommand("aiScientist.selectInterpreter");
      return;
    case "installTex":
      await showInstallTex();
      return;
    case "cancel":
      await deps.cancel?.(fix.job);
      return;
    case "trust":
      await vscode.commands.executeCommand("workbench.trust.manage");
      return;
  }
}

export async function tell(f: Failure, deps: TellDeps): Promise<void> {
  if (f.severity === "error") {
    deps.logs.error(f.message);
  } else {
    deps.logs.info(f.message);
  }
  const show =
    f.severity === "info"
      ? vscode.window.showInformationMessage
      : f.severity === "warning"
        ? vscode.window.showWarningMessage
        : vscode.window.showErrorMessage;
  const labels = f.fixes.map((x) => x.label);
  const picked = await show(f.message, ...labels);
  const fix = f.fixes.find((x) => x.label === picked);
  if (fix) {
    await runFix(fix, deps);
  }
}
