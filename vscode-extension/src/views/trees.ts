/**
 * The Templates, Ideas, Runs and Papers views of the "AI Scientist" container.
 *
 * Contract: each view is a `NodeTree` over one `*Nodes` builder of treeModel.ts (the Runs view's is
 * in runsModel.ts), re-built from the Store's snapshot whenever it changes; a node's click command
 * and context-menu commands receive the node itself (its `data` says what it is about). Each view's
 * message and the failed server's action items (above the items it listed before, now stale) come
 * from notice.ts, updated on every change of the server's state, of trust and of the snapshot. A
 * change of the workspace folders refreshes the views (the server lists every folder's templates,
 * each with its own folder's results).
 */

import * as vscode from "vscode";
import type { ServerManager } from "../server";
import { notices } from "./notice";
import type { Store, Snapshot } from "./store";
import { runNodes } from "./runsModel";
import { ideaNodes, Node, paperNodes, templateNodes } from "./treeModel";

export class NodeTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private roots: Node[] = [];
  /** Shown above the roots (the failed server's actions; the roots are then stale). */
  actions: Node[] | undefined;
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly build: (s: Snapshot) => Node[]) {}

  update(snapshot: Snapshot): void {
    this.roots = this.build(snapshot);
    this.changed.fire(undefined);
  }

  /** Whether the view lists anything of its own. */
  get filled(): boolean {
    return this.roots.length > 0;
  }

  /** Sets the action items above the roots; true when they changed. */
  setActions(actions: Node[] | undefined): boolean {
    const changed = (this.actions?.length ?? 0) !== (actions?.length ?? 0);
    this.actions = actions;
    if (changed) {
      this.changed.fire(undefined);
    }
    return changed;
  }

  getChildren(element?: Node): Node[] {
    return element ? (element.children ?? []) : [...(this.actions ?? []), ...this.roots];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const state = node.children
      ? node.expanded === false
        ? vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.Expanded
      : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(node.label, state);
    item.id = node.id;
    item.description = node.description;
    if (node.tooltip) {
      const tip = new vscode.MarkdownString(node.tooltip);
      tip.supportThemeIcons = true;
      item.tooltip = tip;
    }
    if (node.icon) {
      item.iconPath = new vscode.ThemeIcon(
        node.icon.id,
        node.icon.color ? new vscode.ThemeColor(node.icon.color) : undefined,
      );
    }
    item.contextValue = node.contextValue;
    if (node.command) {
      item.command = { ...node.command, arguments: [node] };
    }
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export function registerViews(store: Store, server: ServerManager): vscode.Disposable[] {
  const views: [string, NodeTree][] = [
    ["templates", new NodeTree((s) => templateNodes(s.templates))],
    ["ideas", new NodeTree((s) => ideaNodes(s.ideas))],
    ["runs", new NodeTree((s) => runNodes(s.runs))],
    ["papers", new NodeTree((s) => paperNodes(s.papers))],
  ];
  const disposables: vscode.Disposable[] = [];
  const treeViews = new Map<string, vscode.TreeView<Node>>();
  for (const [id, tree] of views) {
    const view = vscode.window.createTreeView(`aiScientist.${id}`, {
      treeDataProvider: tree,
      showCollapseAll: id !== "templates",
    });
    treeViews.set(id, view);
    disposables.push(tree, view);
  }
  // A failed server's views keep what they listed (marked stale), under the same buttons.
  const updateNotices = () => {
    const n = notices({
      state: server.state,
      failure: server.failure,
      trusted: vscode.workspace.isTrusted,
      filled: Object.fromEntries(views.map(([id, tree]) => [id, tree.filled])),
    });
    for (const [id, view] of treeViews) {
      view.message = n.messages[id] || undefined;
    }
    for (const [id, tree] of views) {
      tree.setActions(n.actionsIn?.includes(id) ? n.actions : undefined);
    }
  };
  updateNotices();
  disposables.push(
    store.onDidChange((s) => {
      views.forEach(([, tree]) => tree.update(s));
      updateNotices();
    }),
    server.onDidChangeState(updateNotices),
    vscode.workspace.onDidGrantWorkspaceTrust(updateNotices),
    vscode.workspace.onDidChangeWorkspaceFolders(() => store.scheduleRefresh()),
  );
  return disposables;
}
