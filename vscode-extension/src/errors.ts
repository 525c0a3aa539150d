/**
 * What to tell the researcher when a command fails: the one place that words a failure and picks
 * its fix (docs/lsp.md §2, errors). The server shows nothing itself: the client tells it so
 * (initializationOptions `showsFailures`), so each failure is one message, here.
 *
 * Contract: `describeFailure(title, error)` maps a JSON-RPC error (or any thrown value) to a
 * severity, one message in command titles (never an `aisci.*` id) and at most two buttons, the
 * fix first:
 * - -32800 cancelled: information "<title> was cancelled.", no button (logged at info);
 * - -32001 stage failed: an error "<title> failed: <message> <hint>", with the fix its cause
 *   names: "Open experiment.py:37" (the error's `location`), "Install TeX…" (TeX missing),
 *   "Open Log" (the failed run's log), else "Show Logs";
 * - -32002 busy: a warning naming the running command by its title and its folder, "Cancel It";
 * - -32004 restricted (an untrusted workspace): information, "Manage Workspace Trust";
 * - `ServerDown` (the server could not start): an error "<title> did not run: <why>", with
 *   "Select Interpreter" and "Show Logs";
 * - -32602 and anything else: an error with the server's words and "Show Logs".
 * `titled(title, text)` puts a title before a line once ("Launch: Launch finished" never
 * happens). Pure, unit-tested (test/unit/messages.test.ts).
 */

import { ErrorCode } from "./protocol";
import { commandTitle } from "./summary";

/** A button of a failure's message; `tell.ts` runs it. */
export type Fix =
  | { kind: "open"; label: string; file: string; line: number }
  | { kind: "openLog"; label: "Open Log"; file: string }
  | { kind: "showLogs"; label: "Show Logs" }
  | { kind: "selectInterpreter"; label: "Select Interpreter" }
  | { kind: "installTex"; label: "Install TeX…" }
  | { kind: "cancel"; label: "Cancel It"; job: string }
  | { kind: "trust"; label: "Manage Workspace Trust" };

export interface Failure {
  severity: "info" | "warning" | "error";
  message: string;
  fixes: Fix[];
}

const SHOW_LOGS: Fix = { kind: "showLogs", label: "Show Logs" };

/** Thrown when a command cannot reach the server: it did not start, and `message` says why. */
export class ServerDown extends Error {
  readonly serverDown = true;
}

/** The server did not start (or stopped for good): `message` says why; the fix is most often
 * another Python. */
export function serverFailure(message: string): Failure {
  return {
    severity: "error",
    message,
    fixes: [{ kind: "selectInterpreter", label: "Select Interpreter" }, SHOW_LOGS],
  };
}

/** After a change of `aiScientist.python` restarted the server. */
export function interpreterChanged(now: { path: string; source: string } | undefined): string {
  return now
    ? `aiScientist.python changed: the AI Scientist server now runs ${now.path} (from ${now.source}).`
    : "aiScientist.python changed: the AI Scientist server restarted.";
}

interface RpcError {
  code?: unknown;
  message?: unknown;
  data?: unknown;
}

const TEX_MISSING =
  /LaTeX is not installed|TeX (Live )?is not installed|(pdflatex|latexmk|bibtex)[^.]*not found|Install TeX/i;

/** `text` with every `aisci.<name>` command id replaced by that command's title. */
export function inWords(text: string): string {
  return text.replace(/\baisci\.[A-Za-z]+\b/g, (id) => {
    const title = commandTitle(id);
    return title === id ? id : title;
  });
}

/** "<title>: <text>", unless the text already starts with the title ("Launch finished: …"). */
export function titled(title: string, text: string): string {
  const plain = inWords(text).trim();
  return plain.toLowerCase().startsWith(title.toLowerCase()) ? plain : `${title}: ${plain}`;
}

function sentence(text: string): string {
  const t = text.trim();
  return t === "" || /[.!?:]$/.test(t) ? t : `${t}.`;
}

function basename(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

function stageFailed(title: string, message: string, data: Record<string, unknown>): Failure {
  const what = typeof data.message === "string" && data.message ? data.message : message;
  const hint = typeof data.hint === "string" && data.hint ? data.hint : "";
  // The server's message may begin with the command ("aisci.x failed unexpectedly: …"): then it
  // is said as it is, in words, and not after a second "<title> failed:".
  const text = inWords(what).trim();
  const body = [sentence(text), hint && !text.includes(hint) ? sentence(hint) : ""]
    .filter(Boolean)
    .join(" ");
  const said = text.toLowerCase().startsWith(`${title.toLowerCase()} failed`);
  const fixes: Fix[] = [];
  const where = data.location as { file?: unknown; line?: unknown } | null | undefined;
  if (where && typeof where.file === "string") {
    const line = typeof where.line === "number" && where.line > 0 ? where.line : 1;
    const label = `Open ${basename(where.file)}${typeof where.line === "number" ? `:${line}` : ""}`;
    fixes.push({ kind: "open", label, file: where.file, line });
  } else if (TEX_MISSING.test(body)) {
    fixes.push({ kind: "installTex", label: "Install TeX…" });
  }
  fixes.push(
    typeof data.log === "string" && data.log
      ? { kind: "openLog", label: "Open Log", file: data.log }
      : SHOW_LOGS,
  );
  return { severity: "error", message: said ? body : `${title} failed: ${body}`, fixes };
}

export function describeFailure(title: string, error: unknown): Failure {
  if (error instanceof ServerDown || (error as { serverDown?: unknown })?.serverDown === true) {
    const why = sentence(String((error as Error).message ?? error));
    return { ...serverFailure(`${title} did not run: ${why}`) };
  }
  const e = (
    typeof error === "object" && error !== null ? error : { message: String(error) }
  ) as RpcError;
  const message = typeof e.message === "string" ? e.message : String(error);
  const data = (typeof e.data === "object" && e.data !== null ? e.data : {}) as Record<
    string,
    unknown
  >;
  switch (e.code) {
    case ErrorCode.RequestCancelled:
      return { severity: "info", message: `${title} was cancelled.`, fixes: [] };
    case ErrorCode.StageFailed:
      return stageFailed(title, message, data);
    case ErrorCode.Busy: {
      const running = (data.running ?? {}) as Record<string, unknown>;
      const what =
        typeof running.command === "string" ? commandTitle(running.command) : "another command";
      const where = typeof running.folder === "string" ? ` on ${running.folder}` : "";
      return {
        severity: "warning",
        message: `${title} cannot start: ${what} is running${where}. Wait for it to finish, or cancel it.`,
        fixes:
          typeof running.job === "string"
            ? [{ kind: "cancel", label: "Cancel It", job: running.job }]
            : [],
      };
    }
    case ErrorCode.Restricted:
      return {
        severity: "info",
        message: `${title} did not run: this workspace is not trusted, so the AI Scientist runs nothing in it. Trust it to run commands.`,
        fixes: [{ kind: "trust", label: "Manage Workspace Trust" }],
      };
    default:
      return {
        severity: "error",
        message: `${title} failed: ${sentence(inWords(message))}`,
        fixes: [SHOW_LOGS],
      };
  }
}
