/**
 * What to tell the researcher when a server command fails (docs/lsp.md §2, errors).
 *
 * Contract: `describeFailure(title, error)` maps a JSON-RPC error (or any thrown value) to a
 * severity, a message and at most one action:
 * - -32800 cancelled: information "<title> was cancelled.";
 * - -32001 stage failed: nothing to show (the server already showed the reason and log path),
 *   only logged;
 * - -32002 busy: a warning naming the running command and folder, with "Cancel It";
 * - -32004 restricted (an untrusted workspace): information, with "Manage Workspace Trust";
 * - -32602 and anything else: an error with the server's message.
 * Pure, unit-tested.
 */

import { ErrorCode } from "./protocol";

export interface Failure {
  severity: "info" | "warning" | "error" | "log";
  message: string;
  /** job id to cancel, with the "Cancel It" button. */
  cancelJob?: string;
  /** Offer "Manage Workspace Trust". */
  trust?: boolean;
}

interface RpcError {
  code?: unknown;
  message?: unknown;
  data?: unknown;
}

export function describeFailure(title: string, error: unknown): Failure {
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
      return { severity: "info", message: `${title} was cancelled.` };
    case ErrorCode.StageFailed:
      return {
        severity: "log",
        message: `${title} failed: ${typeof data.message === "string" ? data.message : message}`,
      };
    case ErrorCode.Busy: {
      const running = (data.running ?? {}) as Record<string, unknown>;
      const what = typeof running.command === "string" ? running.command : "another command";
      const where = typeof running.folder === "string" ? ` on ${running.folder}` : "";
      return {
        severity: "warning",
        message: `${title} cannot start: ${what} is running${where}. Wait for it to finish, or cancel it.`,
        cancelJob: typeof running.job === "string" ? running.job : undefined,
      };
    }
    case ErrorCode.Restricted:
      return {
        severity: "info",
        message: `${title} did not run: this workspace is not trusted, so the AI Scientist runs nothing in it. Trust it to run commands.`,
        trust: true,
      };
    default:
      return { severity: "error", message: `${title} failed: ${message}` };
  }
}
