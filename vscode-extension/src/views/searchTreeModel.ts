/**
 * The Search tree view's items, built from `aisci.getTree` (docs/lsp.md §2, docs/search.md).
 *
 * Contract: `searchTreeNodes(result)` nests each search node under its parent (the baseline,
 * `root`, at the top; a node whose parent is missing from the record at the top too), labelled
 * with its run and kind, described by its metric and status; the best node (the server's `best`)
 * has a star and every node on the path to it says so; pinned and pruned nodes say so and have
 * their own context value (the menus offer Unpin on a pinned node, nothing on a pruned one).
 * A node's click opens its diff against its parent. The answer's shape is protocol.ts's
 * `TreeResult` (declared on the server, lsp/wire/answers.py). Pure: no `vscode` import,
 * unit-tested.
 */

import type { SearchNodeInfo, TreeResult } from "../protocol";
import type { Node } from "./treeModel";
import { formatNumber } from "./treeModel";

const STATUS_ICON: Record<string, { id: string; color?: string }> = {
  done: { id: "pass", color: "testing.iconPassed" },
  failed: { id: "error", color: "testing.iconFailed" },
  running: { id: "sync~spin" },
  pending: { id: "circle-large-outline" },
  pruned: { id: "circle-slash", color: "disabledForeground" },
};

function md(text: string): string {
  return text.replace(/([\\`*_{}[\]()#+\-.!|<>])/g, "\\$1");
}

export function nodeLabel(n: SearchNodeInfo): string {
  const name = n.run ?? `node ${n.id}`;
  if (n.kind === "root") {
    return `${name} (baseline)`;
  }
  return n.kind === "seed" && n.seed !== null ? `${name} · seed ${n.seed}` : `${name} · ${n.kind}`;
}

/** One line: the metric (or the failure), the status, and the marks (best, pinned, pruned). */
export function nodeDescription(
  n: SearchNodeInfo,
  metricName: string | undefined,
  best: boolean,
  onPath: boolean,
): string {
  const parts: string[] = [];
  if (n.metric !== null) {
    parts.push(`${metricName ?? "metric"} ${formatNumber(n.metric)}`);
  }
  if (n.status === "failed") {
    const why = (n.error ?? n.note ?? "").split("\n")[0];
    parts.push(why ? `failed: ${why.length > 60 ? `${why.slice(0, 57)}…` : why}` : "failed");
  } else if (n.status !== "done" && !(n.status === "pruned" && n.pruned)) {
    parts.push(n.status);
  }
  if (best) {
    parts.push("★ best");
  } else if (onPath) {
    parts.push("on the best path");
  }
  if (n.pinned) {
    parts.push("pinned: expanded next");
  }
  if (n.pruned) {
    parts.push("pruned");
  }
  return parts.join(" · ");
}

function tooltip(n: SearchNodeInfo, r: TreeResult, best: boolean): string {
  const metric = r.metric
    ? `${r.metric.dataset ? `${r.metric.dataset}/` : ""}${r.metric.name} (${r.metric.direction === "max" ? "higher" : "lower"} is better)`
    : "no metric";
  const lines = [
    `**${md(nodeLabel(n))}**: ${n.status}${best ? " — the best node" : ""}`,
    "",
    md(n.description),
    "",
    n.metric !== null ? `${md(metric)}: ${formatNumber(n.metric)}` : `${md(metric)}: not measured`,
  ];
  if (n.parent !== null) {
    lines.push(
      "",
      `Parent: run\\_${n.parent}${n.kind === "debug" ? `, debug step ${n.depth}` : ""}`,
    );
  }
  if (n.error) {
    lines.push("", `**Error:** ${md(n.error)}`);
  }
  if (n.note && n.note !== n.error) {
    lines.push("", md(n.note));
  }
  if (
    best &&
    r.confirmation &&
    r.confirmation.node === n.id &&
    r.confirmation.mean !== null &&
    r.confirmation.mean !== undefined
  ) {
    const spread =
      r.confirmation.std !== null && r.confirmation.std !== undefined
        ? ` ± ${formatNumber(r.confirmation.std)}`
        : "";
    lines.push(
      "",
      `Confirmed over ${r.confirmation.n ?? "?"} seeds: ${formatNumber(r.confirmation.mean)}${spread}`,
    );
  }
  if (n.pinned) {
    lines.push("", "Pinned: the search expands this node next.");
  }
  if (n.pruned) {
    lines.push("", "Pruned: never expanded.");
  }
  return lines.join("\n");
}

export function searchNodeItem(n: SearchNodeInfo, r: TreeResult): Node {
  const best = r.best === n.id;
  const onPath = r.bestPath.includes(n.id);
  const status = n.pruned ? "pruned" : n.status;
  const icon = best
    ? { id: "star-full", color: "charts.yellow" }
    : (STATUS_ICON[status] ?? { id: "circle-large-outline" });
  return {
    id: `search:${r.folder}:${n.id}`,
    label: nodeLabel(n),
    description: nodeDescription(n, r.metric?.name, best, onPath),
    tooltip: tooltip(n, r, best),
    icon,
    contextValue: n.pruned ? "searchNode.pruned" : n.pinned ? "searchNode.pinned" : "searchNode",
    command: { command: "aiScientist.openNodeDiff", title: "Open Diff Against Parent" },
    data: {
      kind: "searchNode",
      folder: r.folder,
      node: n.id,
      parent: n.parent,
      code: n.code,
      parentCode: n.parentCode,
      diff: n.diff,
    },
  };
}

/** The record as a tree: children under their parent, in id order. */
export function searchTreeNodes(r: TreeResult | undefined): Node[] {
  if (!r || !r.nodes.length) {
    return [];
  }
  const items = new Map<number, Node>();
  for (const n of [...r.nodes].sort((a, b) => a.id - b.id)) {
    items.set(n.id, searchNodeItem(n, r));
  }
  const roots: Node[] = [];
  for (const n of [...r.nodes].sort((a, b) => a.id - b.id)) {
    const item = items.get(n.id)!;
    const parent = n.parent !== null ? items.get(n.parent) : undefined;
    if (parent) {
      (parent.children ??= []).push(item);
    } else {
      roots.push(item);
    }
  }
  return roots;
}

/** The view's one-line message above the tree: the search, its metric and its best node. */
export function searchTreeMessage(
  r: TreeResult | undefined,
  folderName: string | undefined,
): string {
  if (!r || !r.nodes.length) {
    return folderName ? `${folderName}: no search recorded (no tree.json).` : "";
  }
  // Counted as the Runs view counts the folder's runs: every node that ran (the baseline's run_0
  // and the seeds' confirmation runs too), by its state.
  const runs = r.nodes.filter((n) => n.run);
  const count = (status: string) => runs.filter((n) => n.status === status).length;
  const states = ["done", "failed", "cancelled", "running"]
    .filter((st) => st === "done" || count(st))
    .map((st) => `${count(st)} ${st}`);
  const best = r.nodes.find((n) => n.id === r.best);
  const metric = r.metric
    ? ` on ${r.metric.name} (${r.metric.direction === "max" ? "higher" : "lower"} is better)`
    : "";
  const bestText = best
    ? `; best ${best.run ?? `node ${best.id}`}${best.metric !== null ? ` ${formatNumber(best.metric)}` : ""}`
    : "";
  const ran = states.length ? states.join(" · ") : "no run yet";
  return `${folderName ?? r.folder}: ${r.search ?? "tree"} search${metric}: ${ran}${bestText}`;
}
