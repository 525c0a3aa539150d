/**
 * What a failed paper build tells the researcher, beside the Problems panel.
 *
 * Contract: `bannerOf(previewReady)` is the preview's banner for a build that failed: its first
 * error, how many more, and whether the PDF shown is the last good build, with the file and line
 * the banner's link opens ("Open template.tex:12"); pure, unit-tested. `tellMissingTex(missing,
 * install)` is the one warning for TeX programs missing from the server's PATH (the server names
 * each once per session), whose "Install TeX…" opens a terminal with the install command typed,
 * not run: the researcher reads it and presses Enter.
 */

import * as path from "path";
import * as vscode from "vscode";
import type { PreviewReady } from "../protocol";

export interface Banner {
  text: string;
  file?: string;
  line?: number | null;
  /** The link's words. */
  link?: string;
}

export function bannerOf(p: PreviewReady): Banner {
  const kept = p.pdf ? " The preview shows the last good build." : "";
  const first = p.firstError;
  if (!first) {
    return { text: `The build failed: ${p.error ?? "see the Problems panel"}.${kept}` };
  }
  const reason = p.error ?? first.message;
  const more = p.errors > 1 ? ` (and ${p.errors - 1} more in the Problems panel)` : "";
  return {
    text: `The build failed: ${reason.replace(/\.$/, "")}${more}.${kept}`,
    file: first.file,
    line: first.line,
    link: `Open ${path.basename(first.file)}${first.line ? `:${first.line}` : ""}`,
  };
}

export async function tellMissingTex(missing: string[], install: string | null): Promise<void> {
  const choice = await vscode.window.showWarningMessage(
    `The paper cannot be built: ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not installed (not on the AI Scientist server's PATH).`,
    "Install TeX…",
  );
  if (choice && install) {
    const terminal = vscode.window.createTerminal("Install TeX");
    terminal.show();
    terminal.sendText(install, false);
  }
}
