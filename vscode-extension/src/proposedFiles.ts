/**
 * The proposed side of a review's diff: an editable file that lives in memory, not on disk.
 *
 * Contract: `ProposedFiles` is a `vscode.FileSystemProvider` for the scheme `aisci-proposed`, so
 * the diff editor's title bar and breadcrumb read `<idea folder> › experiment.py` instead of the
 * extension's storage path (issue 27), while the researcher can still edit and save the right
 * side before accepting. A file is `aisci-proposed:/<folder name>/<file>?<proposal id>` (the id
 * keeps two proposals for the same file apart); it holds one file per proposal, no folders of
 * its own (every folder above a file exists implicitly), and is forgotten when the proposal is
 * answered or the editor closes.
 */

import * as vscode from "vscode";

export const PROPOSED_SCHEME = "aisci-proposed";

/** The proposed side's URI for a proposal of `file` in the idea folder `folder`. */
export function proposedUri(id: string, folder: string, file: string): vscode.Uri {
  const name = file.split(/[\\/]/).pop() || "proposal";
  const where = folder.split(/[\\/]/).filter(Boolean).pop() || "proposal";
  return vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: `/${where}/${name}`, query: id });
}

export class ProposedFiles implements vscode.FileSystemProvider {
  private readonly files = new Map<string, { data: Uint8Array; mtime: number }>();
  private readonly changed = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changed.event;

  has(uri: vscode.Uri): boolean {
    return this.files.has(uri.toString());
  }

  watch(): vscode.Disposable {
    return { dispose: () => undefined };
  }

  stat(uri: vscode.Uri): vscode.FileStat {
    const file = this.files.get(uri.toString());
    if (!file) {
      // Not a file of a proposal: a folder above one (the breadcrumb lists them).
      return { type: vscode.FileType.Directory, ctime: 0, mtime: 0, size: 0 };
    }
    return { type: vscode.FileType.File, ctime: 0, mtime: file.mtime, size: file.data.length };
  }

  readDirectory(): [string, vscode.FileType][] {
    return [];
  }

  createDirectory(): void {}

  readFile(uri: vscode.Uri): Uint8Array {
    const file = this.files.get(uri.toString());
    if (!file) {
      throw vscode.FileSystemError.FileNotFound(uri);
    }
    return file.data;
  }

  writeFile(uri: vscode.Uri, content: Uint8Array): void {
    const created = !this.files.has(uri.toString());
    this.files.set(uri.toString(), { data: content, mtime: Date.now() });
    this.changed.fire([
      { type: created ? vscode.FileChangeType.Created : vscode.FileChangeType.Changed, uri },
    ]);
  }

  delete(uri: vscode.Uri): void {
    if (this.files.delete(uri.toString())) {
      this.changed.fire([{ type: vscode.FileChangeType.Deleted, uri }]);
    }
  }

  rename(): void {
    throw vscode.FileSystemError.NoPermissions("A proposed edit cannot be renamed.");
  }

  dispose(): void {
    this.files.clear();
    this.changed.dispose();
  }
}
