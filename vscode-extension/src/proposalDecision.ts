/**
 * The researcher's choice on a proposed AI edit, as the answer to `aisci/reviewProposal`
 * (docs/lsp.md §5).
 *
 * Contract: accepting sends `{action: "accept"}` when the proposed side is unchanged and
 * `{action: "edit", text}` when the researcher changed it first (line endings normalised to
 * the proposal's, so a CRLF editor does not turn an accept into an edit); rejecting sends
 * `{action: "reject", reason}` with the reason trimmed (may be empty). Pure, unit-tested.
 */

import type { ProposalAnswer } from "./protocol";

function normaliseEol(text: string, like: string): string {
  const lf = text.replace(/\r\n/g, "\n");
  return like.includes("\r\n") ? lf.replace(/\n/g, "\r\n") : lf;
}

export function acceptAnswer(proposed: string, currentText: string): ProposalAnswer {
  const text = normaliseEol(currentText, proposed);
  if (text === proposed) {
    return { action: "accept" };
  }
  return { action: "edit", text };
}

export function rejectAnswer(reason: string | undefined): ProposalAnswer {
  return { action: "reject", reason: (reason ?? "").trim() };
}

/** A file name that keeps the extension (syntax colouring) and names the proposal. */
export function proposalFileName(id: string, file: string): string {
  const base = file.split(/[\\/]/).pop() || "proposal";
  const safeId = id.replace(/[^A-Za-z0-9_.-]/g, "_");
  return `${safeId}/${base}`;
}

/** Title of the diff editor: what, where, and which side is which. */
export function diffTitle(file: string, description: string): string {
  const base = file.split(/[\\/]/).pop() || file;
  const what = description.length > 60 ? description.slice(0, 57) + "..." : description;
  return `${base}: current ↔ proposed${what ? ` (${what})` : ""}`;
}

/** The 0-based line of the proposed text where it first differs from the current one. */
export function firstChangedLine(original: string, proposed: string): number {
  const a = original.replace(/\r\n/g, "\n").split("\n");
  const b = proposed.replace(/\r\n/g, "\n").split("\n");
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) {
      return i;
    }
  }
  return a.length === b.length ? 0 : Math.min(n, b.length - 1);
}

/** A `command:` link of a notification, running `command` with `args`. */
export function commandLink(label: string, command: string, ...args: unknown[]): string {
  return `[${label}](command:${command}?${encodeURIComponent(JSON.stringify(args))})`;
}
