/**
 * What the views say above their items, besides the items: why the server is not running, and
 * Restricted Mode. (Every workspace folder is served: each one's templates, ideas, runs and
 * papers are listed, read from that folder.)
 *
 * Contract: `notices(s)` gives each view's `message` (`TreeView.message`, shown above the
 * items; "" for none; when the server failed, each view says so, and that its items are stale)
 * and the action items at the top of the views when the server failed (Set Up the
 * AI Scientist Here in a trusted workspace, Select Python Interpreter, Show Logs, Restart
 * Server). While the server starts, the views have no message and no item, so the
 * `viewsWelcome` "Starting the AI Scientist server…" shows (also
 * before the extension has activated, instead of VS Code's "no data provider"). Pure,
 * unit-tested.
 */

import type { Node } from "./treeModel";

export interface NoticeInput {
  state: "stopped" | "starting" | "running" | "failed";
  failure?: string;
  trusted: boolean;
  /** The views that still list what the server said before it stopped (now stale). */
  filled?: Record<string, boolean>;
}

export interface Notices {
  /** Per view id suffix ("templates", "ideas", "runs", "papers", "searchTree"). */
  messages: Record<string, string>;
  /** The failed server's buttons, at the top of each view named in `actionsIn` (above its
   * stale items). The Ideas view without items is left empty, for its set-up welcome. */
  actions?: Node[];
  actionsIn?: string[];
}

const VIEWS = ["templates", "ideas", "runs", "papers", "searchTree"];
const DOWN = "The AI Scientist server is not running";

/** Why the server is down, said once ("…not running: …cannot start" never happens). */
export function serverDown(failure: string | undefined): string {
  const why = (failure ?? "").trim();
  return !why ? `${DOWN}.` : /^The AI Scientist server\b/i.test(why) ? why : `${DOWN}: ${why}`;
}

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
    const filled = s.filled ?? {};
    const stale = " What is listed is from before it stopped and may be out of date.";
    for (const v of VIEWS) {
      messages[v] = filled[v] ? `${DOWN}.${stale}` : v === "ideas" ? "" : `${DOWN}.`;
    }
    messages.templates = serverDown(s.failure) + (filled.templates ? stale : "");
    return {
      messages,
      actionsIn: VIEWS.filter((v) => v !== "ideas" || filled[v]),
      actions: [
        // Installing aisci runs Python and pip: offered only where the workspace is trusted.
        ...(s.trusted
          ? [action("setup", "Set Up the AI Scientist Here…", "aiScientist.setUp", "tools")]
          : []),
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
