/**
 * A folder proposal (a template drafted from a topic, docs/lsp.md §5): the pure parts of its
 * review, unit-tested.
 *
 * Contract: `folderAcceptAnswer` answers `{action: "accept"}` when no file's proposed side was
 * changed, else `{action: "edit", files}` with only the changed files, each whole (line endings
 * normalised as for one file, so a CRLF editor changes nothing). `fileItems` are the quick
 * pick's rows (the file, its size and lines, its first line). `firstFile` is the file opened
 * first: experiment.py where there is one (what the researcher must read), else the first.
 * `folderFilePath` is a file's path in the proposed-files scheme: the folder's name, then the
 * file's path inside it (so latex/template.tex and a template.tex elsewhere stay apart).
 */

import { acceptAnswer } from "./proposalDecision";
import type { ProposalAnswer, ProposedFileParams } from "./protocol";

export function folderAcceptAnswer(
  files: readonly ProposedFileParams[],
  texts: ReadonlyMap<string, string>,
): ProposalAnswer {
  const changed: { file: string; text: string }[] = [];
  for (const f of files) {
    const text = texts.get(f.file);
    if (text === undefined) {
      continue;
    }
    const answer = acceptAnswer(f.proposed, text);
    if (answer.action === "edit" && "text" in answer) {
      changed.push({ file: f.file, text: answer.text });
    }
  }
  return changed.length ? { action: "edit", files: changed } : { action: "accept" };
}

export interface FileItem {
  label: string;
  description: string;
  detail: string;
  file: string;
}

export function fileItems(files: readonly ProposedFileParams[]): FileItem[] {
  return files.map((f) => {
    const lines = f.proposed.replace(/\r\n/g, "\n").split("\n");
    const count = lines.length - (lines[lines.length - 1] === "" ? 1 : 0);
    const bytes = new TextEncoder().encode(f.proposed).length;
    const first = lines.find((l) => l.trim()) ?? "";
    return {
      label: f.file,
      description: `${bytes.toLocaleString("en-US")} bytes, ${count} line${count === 1 ? "" : "s"}${f.original ? "" : ", new"}`,
      detail: first.length > 80 ? first.slice(0, 77) + "..." : first,
      file: f.file,
    };
  });
}

export function firstFile(files: readonly ProposedFileParams[]): ProposedFileParams | undefined {
  return files.find((f) => f.file === "experiment.py") ?? files[0];
}

export function folderFilePath(folder: string, file: string): string {
  const parts = file.split(/[\\/]/).filter((p) => p && p !== "." && p !== "..");
  const where = folder.split(/[\\/]/).filter(Boolean).pop() || "proposal";
  return `/${where}/${parts.join("/") || "proposal"}`;
}
