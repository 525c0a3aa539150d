/**
 * The "Search tree" view: the tree search of one idea folder (docs/search.md), live.
 *
 * Contract: the view shows `aisci.getTree` of its folder as searchTreeModel.ts builds it. The
 * folder is the one a person chose ("Show Search Tree" on an idea folder), else the folder of
 * the latest `aisci/treeChanged` (the search running now), else the newest idea folder in the
 * Runs listing that has a record. Every `aisci/treeChanged` of the folder re-reads it (coalesced,
 * 300 ms). A node's click opens the diff of its parent's `run_<parent>.py` against its own
 * `run_<id>.py` (the recorded diff when a snapshot is missing); Pin / Unpin / Prune send
 * `aisci.steerNode` and say a refusal (busy, untrusted) the way every command does. When the
 * server fails, the tree shown stays, marked stale, under the same buttons as the other views.
 */

import * as vscode from "vscode";
import * as path from "path";
import { describeFailure } from "../errors";
import { tell } from "../tell";
import { pickFolder } from "../picks";
import type { TreeResult } from "../protocol";
import type { ServerManager } from "../server";
import type { Store } from "./store";
import { searchTreeMessage, searchTreeNodes } from "./searchTreeModel";
import { NodeTree } from "./trees";
import { notices } from "./notice";
import { isBaselineFolder } from "./runsModel";
import { Node, stampOf } from "./treeModel";

type SearchNodeData = Extract<Node["data"], { kind: "searchNode" }>;

export class SearchTreeView implements vscode.Disposable {
  private nodes: Node[] = [];
  private readonly tree = new NodeTree(() => this.nodes);
  private readonly view: vscode.TreeView<Node>;
  private folder: string | undefined;
  private chosen = false;
  private result: TreeResult | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly server: ServerManager,
    private readonly store: Store,
  ) {
    this.view = vscode.window.createTreeView("aiScientist.searchTree", {
      treeDataProvider: this.tree,
      showCollapseAll: true,
    });
    this.disposables.push(
      this.tree,
      this.view,
      server.onNotification((n) => {
        if (n.method !== "aisci/treeChanged") {
          return;
        }
        const folder = (n.params as { folder?: string } | undefined)?.folder;
        if (typeof folder === "string" && (folder === this.folder || !this.chosen)) {
          this.folder = folder;
          this.schedule();
        }
      }),
      store.onDidChange(() => {
        if (!this.folder) {
          void this.findNewest();
        }
      }),
      server.onDidChangeState((state) => {
        this.noticeServer();
        if (state === "running") {
          this.schedule();
        }
      }),
      vscode.commands.registerCommand("aiScientist.showSearchTree", (arg?: unknown) =>
        this.show(arg),
      ),
      vscode.commands.registerCommand("aiScientist.openNodeDiff", (arg?: Node) =>
        this.openDiff(arg),
      ),
      vscode.commands.registerCommand("aiScientist.pinNode", (arg?: Node) =>
        this.steer(arg, "pin", "Pin node"),
      ),
      vscode.commands.registerCommand("aiScientist.unpinNode", (arg?: Node) =>
        this.steer(arg, "unpin", "Unpin node"),
      ),
      vscode.commands.registerCommand("aiScientist.pruneNode", (arg?: Node) =>
        this.steer(arg, "prune", "Prune node"),
      ),
    );
  }

  private schedule(): void {
    if (this.timer) {
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, 300);
  }

  /** A failed server: the tree stays, marked stale, under the side bar's same buttons. */
  private noticeServer(): void {
    const failed = this.server.state === "failed";
    const n = notices({
      state: this.server.state,
      failure: this.server.failure,
      trusted: vscode.workspace.isTrusted,
      filled: { searchTree: this.nodes.length > 0 },
    });
    this.tree.setActions(failed ? n.actions : undefined);
    this.view.message = failed
      ? n.messages.searchTree || undefined
      : (this.folder && searchTreeMessage(this.result, path.basename(this.folder))) || undefined;
  }

  async refresh(): Promise<void> {
    if (!this.folder) {
      return;
    }
    const result = await this.server.query<TreeResult>("aisci.getTree", { folder: this.folder });
    if (result === undefined && this.server.state !== "running") {
      return; // no answer from a server that is down: keep what is shown (marked stale)
    }
    this.result = result;
    this.nodes = searchTreeNodes(this.result);
    this.view.message = searchTreeMessage(this.result, path.basename(this.folder)) || undefined;
    this.tree.update(this.store.current);
    void vscode.commands.executeCommand(
      "setContext",
      "aiScientist.searchTreeShown",
      this.nodes.length > 0,
    );
  }

  /** With nothing chosen and no search running: the newest idea folder that has a record. */
  private async findNewest(): Promise<void> {
    const folders = this.store.current.runs
      .flatMap((t) => t.folders.map((f) => f.folder))
      .filter((f) => !isBaselineFolder(f) && stampOf(f))
      .sort((a, b) => path.basename(b).localeCompare(path.basename(a)));
    for (const folder of folders.slice(0, 5)) {
      const r = await this.server.query<TreeResult>("aisci.getTree", { folder });
      if (this.folder) {
        return; // a notification or a choice came first
      }
      if (r && r.nodes.length) {
        this.folder = folder;
        await this.refresh();
        return;
      }
    }
  }

  private async show(arg?: unknown): Promise<void> {
    const d = (arg as Partial<Node> | undefined)?.data as { folder?: string } | undefined;
    let folder =
      d?.folder ??
      (typeof (arg as { folder?: unknown })?.folder === "string"
        ? (arg as { folder: string }).folder
        : undefined);
    if (!folder) {
      folder = await pickFolder(this.server, arg, "Show the search tree of");
    }
    if (!folder) {
      return;
    }
    this.folder = folder;
    this.chosen = true;
    await this.refresh();
    await vscode.commands.executeCommand("aiScientist.searchTree.focus");
  }

  private nodeOf(arg?: Node): SearchNodeData | undefined {
    const target = arg ?? this.view.selection[0];
    return target?.data.kind === "searchNode" ? target.data : undefined;
  }

  private async openDiff(arg?: Node): Promise<void> {
    const d = this.nodeOf(arg);
    if (!d) {
      return;
    }
    const name = `run_${d.node}.py`;
    if (d.code && d.parentCode) {
      const title = `run_${d.parent}.py ↔ ${name} (search node ${d.node})`;
      await vscode.commands.executeCommand(
        "vscode.diff",
        vscode.Uri.file(d.parentCode),
        vscode.Uri.file(d.code),
        title,
        { preview: true },
      );
    } else if (d.code) {
      await vscode.window.showTextDocument(vscode.Uri.file(d.code), { preview: true });
    } else if (d.diff) {
      const doc = await vscode.workspace.openTextDocument({ content: d.diff, language: "diff" });
      await vscode.window.showTextDocument(doc, { preview: true });
    } else {
      void vscode.window.showInformationMessage(
        `Search node ${d.node} has no code of its own: it ran nothing (its tooltip says why).`,
      );
    }
  }

  private async steer(
    arg: Node | undefined,
    action: "pin" | "unpin" | "prune",
    title: string,
  ): Promise<void> {
    const d = this.nodeOf(arg);
    if (!d) {
      return;
    }
    try {
      await this.server.execute("aisci.steerNode", { folder: d.folder, node: d.node, action });
    } catch (e) {
      void tell(describeFailure(title, e), { logs: this.server.logs });
    }
    await this.refresh();
  }

  dispose(): void {
    if (this.timer) {
      clearTimeout(this.timer);
    }
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}
