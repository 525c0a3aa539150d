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
 */

import * as vscode from "vscode";
import {
  acceptAnswer,
  commandLink,
  diffTitle,
  firstChangedLine,
  rejectAnswer,
} from "./proposalDecision";
import type { ProposalAnswer, ReviewProposalParams } from "./protocol";
import type { Logs } from "./logs";
import { PROPOSED_SCHEME, ProposedFiles, proposedUri } from "./proposedFiles";

export const CURRENT_SCHEME = "aisci-current";

interface Pending {
  params: ReviewProposalParams;
  currentUri: vscode.Uri;
  proposedUri: vscode.Uri;
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
    const proposed = proposedUri(params.id, params.folder, params.file);
    this.files.writeFile(proposed, new TextEncoder().encode(params.proposed));
    const currentUri = proposed.with({ scheme: CURRENT_SCHEME });
    this.current.set(currentUri.toString(), params.original);
    this.logs.info(
      `proposal ${params.id} for ${params.folder}/${params.file}: ${params.description}`,
    );

    return new Promise<ProposalAnswer>((resolve) => {
      const entry: Pending = {
        params,
        currentUri,
        proposedUri: proposed,
        resolve,
        done: false,
      };
      entry.subscription = token.onCancellationRequested(() => void this.withdraw(entry));
      this.pending.set(params.id, entry);
      this.changed.fire(this.pending.size);
      void this.showDiff(entry).then(() => this.notify(entry));
    });
  }

  private async showDiff(entry: Pending): Promise<void> {
    const line = firstChangedLine(entry.params.original, entry.params.proposed);
    await vscode.commands.executeCommand(
      "vscode.diff",
      entry.currentUri,
      entry.proposedUri,
      diffTitle(entry.params.file, entry.params.description),
      { preview: false, selection: new vscode.Range(line, 0, line, 0) },
    );
  }

  /** The proposal's notification: open while the proposal waits, closed when it is answered. */
  private notify(entry: Pending): void {
    if (entry.done) {
      return;
    }
    const p = entry.params;
    const links = [
      commandLink("Accept", "aiScientist.acceptProposal", p.id),
      commandLink("Reject", "aiScientist.rejectProposal", p.id),
      commandLink("Show Diff", "aiScientist.showProposal", p.id),
    ].join(" · ");
    void vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Proposed edit to ${p.file} (${p.stage}): ${p.description}`,
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
    if (entry) {
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
        if (
          entry.proposedUri.toString() === uri.toString() ||
          entry.currentUri.toString() === uri.toString()
        ) {
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
        label: e.params.file,
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

  private async accept(entry: Pending): Promise<void> {
    if (entry.done) {
      return;
    }
    const doc = vscode.workspace.textDocuments.find(
      (d) => d.uri.toString() === entry.proposedUri.toString(),
    );
    if (doc?.isDirty) {
      await doc.save(); // so closing the diff does not ask to save
    }
    const text = doc
      ? doc.getText()
      : new TextDecoder().decode(this.files.readFile(entry.proposedUri));
    const answer = acceptAnswer(entry.params.proposed, text);
    this.logs.info(`proposal ${entry.params.id}: ${answer.action}`);
    await this.finish(entry, answer);
  }

  private async reject(entry: Pending): Promise<void> {
    if (entry.done) {
      return;
    }
    const reason = await vscode.window.showInputBox({
      title: `Reject the edit to ${entry.params.file}`,
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
    this.current.delete(entry.currentUri.toString());
    this.files.delete(entry.proposedUri);
  }

  private async closeDiff(entry: Pending): Promise<void> {
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs);
    const mine = tabs.filter((t) => {
      const input = t.input;
      if (input instanceof vscode.TabInputTextDiff) {
        return input.modified.toString() === entry.proposedUri.toString();
      }
      return (
        input instanceof vscode.TabInputText &&
        input.uri.toString() === entry.proposedUri.toString()
      );
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
