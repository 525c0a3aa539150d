/**
 * The Templates, Ideas, Runs and Papers views of the "AI Scientist" container.
 *
 * Contract: each view is a `NodeTree` over one `*Nodes` builder of treeModel.ts, re-built
 * from the Store's snapshot whenever it changes; a node's click command and context-menu
 * commands receive the node itself (its `data` says what it is about).
 */

import * as vscode from "vscode";
import type { Store, Snapshot } from "./store";
import { ideaNodes, Node, paperNodes, runNodes, templateNodes } from "./treeModel";

export class NodeTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private roots: Node[] = [];
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly build: (s: Snapshot) => Node[]) {}

  update(snapshot: Snapshot): void {
    this.roots = this.build(snapshot);
    this.changed.fire(undefined);
  }

  getChildren(element?: Node): Node[] {
    return element ? (element.children ?? []) : this.roots;
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
      item.iconPath = new vscode.ThemeIcon(node.icon.id, node.icon.color ? new vscode.ThemeColor(node.icon.color) : undefined);
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

export function registerViews(store: Store): vscode.Disposable[] {
  const views: [string, NodeTree][] = [
    ["aiScientist.templates", new NodeTree((s) => templateNodes(s.templates))],
    ["aiScientist.ideas", new NodeTree((s) => ideaNodes(s.ideas))],
    ["aiScientist.runs", new NodeTree((s) => runNodes(s.runs))],
    ["aiScientist.papers", new NodeTree((s) => paperNodes(s.papers))],
  ];
  const disposables: vscode.Disposable[] = [];
  for (const [id, tree] of views) {
    disposables.push(tree, vscode.window.createTreeView(id, { treeDataProvider: tree, showCollapseAll: id !== "aiScientist.templates" }));
  }
  disposables.push(store.onDidChange((s) => views.forEach(([, tree]) => tree.update(s))));
  return disposables;
}
