/**
 * Reviewing AI edits: the client side of the `aisci/reviewProposal` request (docs/lsp.md §5).
 *
 * Contract: each proposal opens a diff editor, current text (read-only, scheme `aisci-current`) on
 * the left and the proposed text on the right. The right side is an editable file in memory
 * (proposedFiles.ts, `aisci-proposed:/<idea folder>/<file name>`), so the researcher can edit it
 * before accepting and the editor's title and breadcrumb name the idea and the file, never a
 * storage path; the diff opens at the first change. A notification offers Accept / Reject /
 * Show Diff as links; it is a progress notification, so it closes as soon as the proposal is
 * answered (from it, the diff editor's title, the palette) or withdrawn, and never offers an Accept that does nothing. The
 * editor title has the same actions (`aiScientist.acceptProposal`, `aiScientist.rejectProposal`,
 * which take the id). Accept answers `accept`, or `edit` with the whole text when the right side
 * was changed; Reject asks for an optional reason (Escape keeps the proposal pending) and answers
 * `reject`. The request stays pending until then (no timeout); when the server withdraws it
 * (`$/cancelRequest`, job cancelled), the diff closes and a message says so.
 *
 * A folder proposal (`files`: a template drafted from a topic) is one proposal of every file:
 * each is an editable proposed file (`aisci-proposed:/<template>/<path>?<id>`) diffed against
 * empty; experiment.py opens first, and Show Diff (its notification's "Files…", the palette's
 * Show Proposed Edit) opens a quick pick of the files, each opening its diff. Accept and
 * Reject answer for the whole folder, from any file's diff; accepting sends `edit` with the
 * files the researcher changed (folderProposal.ts), else `accept`.
 */

import * as vscode from "vscode";
import {
  acceptAnswer,
  commandLink,
  diffTitle,
  firstChangedLine,
  rejectAnswer,
} from "./proposalDecision";
import { fileItems, firstFile, folderAcceptAnswer, folderFilePath } from "./folderProposal";
import type { ProposalAnswer, ProposedFileParams, ReviewProposalParams } from "./protocol";
import type { Logs } from "./logs";
import { PROPOSED_SCHEME, ProposedFiles, proposedUri } from "./proposedFiles";

export const CURRENT_SCHEME = "aisci-current";

/** One file of a folder proposal, as its diff shows it. */
interface FolderFile {
  params: ProposedFileParams;
  currentUri: vscode.Uri;
  proposedUri: vscode.Uri;
}

interface Pending {
  params: ReviewProposalParams;
  currentUri: vscode.Uri;
  proposedUri: vscode.Uri;
  /** A folder proposal's files (the first shown is `currentUri` / `proposedUri`). */
  files?: FolderFile[];
  resolve(answer: ProposalAnswer): void;
  done: boolean;
  subscription?: vscode.Disposable;
  /** Closes the proposal's notification. */
  closeNotice?: () => void;
}

export class ProposalReviewer implements vscode.Disposable {
  private readonly pending = new Map<string, Pending>();
  private readonly current = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<number>();
  private readonly files = new ProposedFiles();
  private readonly disposables: vscode.Disposable[];
  /** Fires the number of pending proposals whenever it changes. */
  readonly onDidChangeCount = this.changed.event;

  constructor(private readonly logs: Logs) {
    this.disposables = [
      vscode.workspace.registerTextDocumentContentProvider(CURRENT_SCHEME, {
        provideTextDocumentContent: (uri) => this.current.get(uri.toString()) ?? "",
      }),
      vscode.workspace.registerFileSystemProvider(PROPOSED_SCHEME, this.files, {
        isCaseSensitive: true,
      }),
      this.changed,
      this.files,
    ];
  }

  get count(): number {
    return this.pending.size;
  }

  async review(
    params: ReviewProposalParams,
    token: vscode.CancellationToken,
  ): Promise<ProposalAnswer> {
    const files = params.files?.length ? this.folderFiles(params) : undefined;
    const shown = files
      ? (files.find((f) => f.params === firstFile(params.files ?? [])) ?? files[0])
      : undefined;
    const proposed = shown?.proposedUri ?? proposedUri(params.id, params.folder, params.file);
    const currentUri = proposed.with({ scheme: CURRENT_SCHEME });
    if (!files) {
      this.files.writeFile(proposed, new TextEncoder().encode(params.proposed));
      this.current.set(currentUri.toString(), params.original);
    }
    this.logs.info(
      `proposal ${params.id} for ${params.folder}/${params.file}: ${params.description}` +
        (files ? ` (${files.length} files)` : ""),
    );

    return new Promise<ProposalAnswer>((resolve) => {
      const entry: Pending = {
        params,
        currentUri,
        proposedUri: proposed,
        files,
        resolve,
        done: false,
      };
      entry.subscription = token.onCancellationRequested(() => void this.withdraw(entry));
      this.pending.set(params.id, entry);
      this.changed.fire(this.pending.size);
      void this.showDiff(entry).then(() => this.notify(entry));
    });
  }

  /** Each file of a folder proposal in memory: its proposed side, and "" as its current one. */
  private folderFiles(params: ReviewProposalParams): FolderFile[] {
    return (params.files ?? []).map((f) => {
      const proposed = vscode.Uri.from({
        scheme: PROPOSED_SCHEME,
        path: folderFilePath(params.file, f.file),
        query: params.id,
      });
      this.files.writeFile(proposed, new TextEncoder().encode(f.proposed));
      const currentUri = proposed.with({ scheme: CURRENT_SCHEME });
      this.current.set(currentUri.toString(), f.original);
      return { params: f, currentUri, proposedUri: proposed };
    });
  }

  private async showDiff(entry: Pending, file?: FolderFile): Promise<void> {
    const shown = file ?? entry.files?.find((f) => f.proposedUri === entry.proposedUri);
    const original = shown ? shown.params.original : entry.params.original;
    const proposed = shown ? shown.params.proposed : entry.params.proposed;
    const line = firstChangedLine(original, proposed);
    await vscode.commands.executeCommand(
      "vscode.diff",
      shown ? shown.currentUri : entry.currentUri,
      shown ? shown.proposedUri : entry.proposedUri,
      shown
        ? diffTitle(shown.params.file, `${entry.params.file}/, new`)
        : diffTitle(entry.params.file, entry.params.description),
      { preview: false, selection: new vscode.Range(line, 0, line, 0) },
    );
  }

  /** A folder proposal's files as a quick pick; the one picked opens as its diff. */
  private async pickFile(entry: Pending): Promise<void> {
    const files = entry.files ?? [];
    const pick = await vscode.window.showQuickPick(fileItems(files.map((f) => f.params)), {
      title: `${entry.params.file}/: ${entry.params.description}`,
      placeHolder: "Which file of the proposed folder? (Accept or Reject answers for all of them)",
    });
    const file = pick && files.find((f) => f.params.file === pick.file);
    if (file && !entry.done) {
      await this.showDiff(entry, file);
    }
  }

  /** The proposal's notification: open while the proposal waits, closed when it is answered. */
  private notify(entry: Pending): void {
    if (entry.done) {
      return;
    }
    const p = entry.params;
    const links = [
      commandLink(entry.files ? "Accept All" : "Accept", "aiScientist.acceptProposal", p.id),
      commandLink("Reject", "aiScientist.rejectProposal", p.id),
      commandLink(entry.files ? "Files…" : "Show Diff", "aiScientist.showProposal", p.id),
    ].join(" · ");
    const title = entry.files
      ? `Proposed new folder ${p.file}/ (${entry.files.length} files, ${p.stage}): ${p.description}`
      : `Proposed edit to ${p.file} (${p.stage}): ${p.description}`;
    void vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title,
        cancellable: false,
      },
      (progress) => {
        progress.report({ message: links });
        return new Promise<void>((resolve) => (entry.closeNotice = resolve));
      },
    );
  }

  async showCommand(arg?: unknown): Promise<void> {
    const entry = await this.find(arg);
    if (entry?.files) {
      await this.pickFile(entry);
    } else if (entry) {
      await this.showDiff(entry);
    }
  }

  /** The pending proposal an action is about: the given id or file, the active diff, or a pick. */
  private async find(arg?: unknown): Promise<Pending | undefined> {
    if (typeof arg === "string" && this.pending.has(arg)) {
      return this.pending.get(arg);
    }
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (uri) {
      for (const entry of this.pending.values()) {
        const uris = entry.files?.flatMap((f) => [f.proposedUri, f.currentUri]) ?? [
          entry.proposedUri,
          entry.currentUri,
        ];
        if (uris.some((u) => u.toString() === uri.toString())) {
          return entry;
        }
      }
    }
    const all = [...this.pending.values()];
    if (all.length <= 1) {
      if (all.length === 0) {
        void vscode.window.showInformationMessage("No AI edit is waiting for review.");
      }
      return all[0];
    }
    const pick = await vscode.window.showQuickPick(
      all.map((e) => ({
        label: e.files ? `${e.params.file}/` : e.params.file,
        description: e.params.description,
        detail: e.params.folder,
        entry: e,
      })),
      { placeHolder: "Which proposed edit?" },
    );
    return pick?.entry;
  }

  async acceptCommand(arg?: unknown): Promise<void> {
    const entry = await this.find(arg);
    if (entry) {
      await this.accept(entry);
    }
  }

  async rejectCommand(arg?: unknown): Promise<void> {
    const entry = await this.find(arg);
    if (entry) {
      await this.reject(entry);
    }
  }

  /** The proposed side as the researcher left it (an open, changed document is saved first). */
  private async proposedText(uri: vscode.Uri): Promise<string> {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (doc?.isDirty) {
      await doc.save(); // so closing the diff does not ask to save
    }
    return doc ? doc.getText() : new TextDecoder().decode(this.files.readFile(uri));
  }

  private async accept(entry: Pending): Promise<void> {
    if (entry.done) {
      return;
    }
    let answer: ProposalAnswer;
    if (entry.files) {
      const texts = new Map<string, string>();
      for (const f of entry.files) {
        texts.set(f.params.file, await this.proposedText(f.proposedUri));
      }
      answer = folderAcceptAnswer(
        entry.files.map((f) => f.params),
        texts,
      );
    } else {
      answer = acceptAnswer(entry.params.proposed, await this.proposedText(entry.proposedUri));
    }
    this.logs.info(`proposal ${entry.params.id}: ${answer.action}`);
    await this.finish(entry, answer);
  }

  private async reject(entry: Pending): Promise<void> {
    if (entry.done) {
      return;
    }
    const reason = await vscode.window.showInputBox({
      title: entry.files
        ? `Reject the proposed folder ${entry.params.file}/ (all ${entry.files.length} files)`
        : `Reject the edit to ${entry.params.file}`,
      prompt:
        "Why? (optional; told to the scientist, which may propose something else). Escape keeps the proposal.",
      placeHolder: "e.g. keep the learning rate; change the degree instead",
      ignoreFocusOut: true,
    });
    if (reason === undefined || entry.done) {
      return;
    }
    this.logs.info(`proposal ${entry.params.id}: reject (${reason || "no reason"})`);
    await this.finish(entry, rejectAnswer(reason));
  }

  private async withdraw(entry: Pending): Promise<void> {
    if (entry.done) {
      return;
    }
    void vscode.window.showInformationMessage(
      `The proposed edit to ${entry.params.file} was withdrawn (its job was cancelled); nothing was changed.`,
    );
    // The server cancelled the request: whatever we answer is ignored.
    await this.finish(entry, rejectAnswer("withdrawn"));
  }

  private async finish(entry: Pending, answer: ProposalAnswer): Promise<void> {
    entry.done = true;
    entry.subscription?.dispose();
    entry.closeNotice?.();
    this.pending.delete(entry.params.id);
    this.changed.fire(this.pending.size);
    entry.resolve(answer);
    await this.closeDiff(entry);
    for (const f of entry.files ?? [entry]) {
      this.current.delete(f.currentUri.toString());
      this.files.delete(f.proposedUri);
    }
  }

  private async closeDiff(entry: Pending): Promise<void> {
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs);
    const uris = new Set((entry.files ?? [entry]).map((f) => f.proposedUri.toString()));
    const mine = tabs.filter((t) => {
      const input = t.input;
      if (input instanceof vscode.TabInputTextDiff) {
        return uris.has(input.modified.toString());
      }
      return input instanceof vscode.TabInputText && uris.has(input.uri.toString());
    });
    if (mine.length) {
      await vscode.window.tabGroups.close(mine, true).then(undefined, () => undefined);
    }
  }

  dispose(): void {
    for (const entry of this.pending.values()) {
      entry.done = true;
      entry.closeNotice?.();
      entry.resolve(rejectAnswer("the editor closed"));
    }
    this.pending.clear();
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}
