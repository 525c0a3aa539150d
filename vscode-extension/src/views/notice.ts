/**
 * What the views say above their items, besides the items: why the server is not running, and
 * Restricted Mode. (Every workspace folder is served: each one's templates, ideas, runs and
 * papers are listed, read from that folder.)
 *
 * Contract: `notices(s)` gives each view's `message` (`TreeView.message`, shown above the
 * items; "" for none) and the Templates view's action items when the server failed (Select
 * Python Interpreter, Show Logs, Restart Server). While the server starts, the views have no
 * message and no item, so the `viewsWelcome` "Starting the AI Scientist server…" shows (also
 * before the extension has activated, instead of VS Code's "no data provider"). Pure,
 * unit-tested.
 */

import type { Node } from "./treeModel";

export interface NoticeInput {
  state: "stopped" | "starting" | "running" | "failed";
  failure?: string;
  trusted: boolean;
}

export interface Notices {
  /** Per view id suffix ("templates", "ideas", "runs", "papers"). */
  messages: Record<string, string>;
  /** Items of the Templates view in place of the templates (the server failed). */
  actions?: Node[];
}

const VIEWS = ["templates", "ideas", "runs", "papers"];

function action(id: string, label: string, command: string, icon: string): Node {
  return {
    id: `notice.${id}`,
    label,
    icon: { id: icon },
    command: { command, title: label },
    data: { kind: "group" },
  };
}

export function notices(s: NoticeInput): Notices {
  const messages: Record<string, string> = Object.fromEntries(VIEWS.map((v) => [v, ""]));
  if (s.state === "failed") {
    messages.templates = `The AI Scientist server is not running: ${s.failure ?? "it stopped"}`;
    return {
      messages,
      actions: [
        action(
          "python",
          "Select Python Interpreter…",
          "aiScientist.selectInterpreter",
          "symbol-namespace",
        ),
        action("logs", "Show Logs", "aiScientist.showLogs", "output"),
        action("restart", "Restart Server", "aiScientist.restartServer", "debug-restart"),
      ],
    };
  }
  const lines: string[] = [];
  if (!s.trusted) {
    lines.push(
      "Restricted Mode: this workspace is not trusted, so the AI Scientist shows what is in it and runs nothing " +
        "(no experiment, no LaTeX build). Trust it (Manage Workspace Trust) to run commands.",
    );
  }
  if (s.state === "running" && lines.length) {
    messages.templates = lines.join(" ");
    if (!s.trusted) {
      for (const v of VIEWS.slice(1)) {
        messages[v] = "Restricted Mode: read-only.";
      }
    }
  }
  return { messages };
}
