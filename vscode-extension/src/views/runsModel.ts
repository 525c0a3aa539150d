/**
 * The Runs view's items (docs/lsp.md §2, `aisci.listRuns`): a row per results folder, a child
 * per run, each summarised by its key metric against the folder's baseline run.
 *
 * Contract: `runNodes` maps the listed folders to plain `Node` values, as treeModel.ts's builders
 * do for the other views (whose formatting it shares). Pure: no `vscode` import, unit-tested.
 */

import * as path from "path";
import type { FolderRuns, RunInfo, SearchMetric, TemplateInfo } from "../protocol";
import { measured, notReachedOf, rankingKey } from "./meaning";
import {
  changeFromBaseline,
  count,
  cut,
  flattenMeans,
  formatDuration,
  formatNumber,
  md,
  stampOf,
  type Node,
} from "./treeModel";

/** `stderr` is the run's log file (a path) or its text: a path is named, text is quoted (its tail). */
export function stderrMarkdown(stderr: string | null | undefined): string {
  if (!stderr) {
    return "";
  }
  if (!stderr.includes("\n") && /^(\/|[A-Za-z]:\\)/.test(stderr)) {
    return "\n\nLog: `" + stderr.replace(/`/g, "'") + "`";
  }
  return (
    "\n\n```\n" +
    stderr.trimEnd().split("\n").slice(-12).join("\n").replace(/```/g, "'''") +
    "\n```"
  );
}

/** A run's state in the Runs view: the server's status, with the icon and words it shows. */
const RUN_STATES: Record<string, { icon: { id: string; color?: string }; context: string }> = {
  failed: { icon: { id: "error", color: "testing.iconFailed" }, context: "run.failed" },
  cancelled: {
    icon: { id: "circle-slash", color: "disabledForeground" },
    context: "run.cancelled",
  },
  running: { icon: { id: "sync~spin" }, context: "run.running" },
};

/**
 * One run's row: the key metric first with its change from the baseline ("val_mse 0.15 −25%"),
 * then the duration; a failed run's first line of error, cut short. The baseline's value, the
 * description, every metric and the whole error are in the tooltip.
 */
export function runNode(
  folder: string,
  run: RunInfo,
  baseline: Record<string, number>,
  declared: SearchMetric | null = null,
): Node {
  const means = flattenMeans(run.means);
  // The template's declared metric first (the Search tree ranks by it too), else a guess.
  const keys = Object.keys(means).length ? Object.keys(means) : Object.keys(baseline);
  const metric = rankingKey(declared, keys);
  const notReached = notReachedOf(run);
  const isBaseline = run.run === "run_0";
  const parts: string[] = [];
  if (run.status === "failed") {
    const reason = (run.error ?? "").split("\n")[0];
    parts.push(cut(`failed${reason ? ": " + reason : ""}`, 48));
  } else if (metric !== undefined && notReached[metric] !== undefined) {
    parts.push(`${metric} not reached`); // a declared sentinel's stand-in, not a result
  } else if (metric !== undefined && means[metric] !== undefined) {
    const change = isBaseline ? "" : changeFromBaseline(means[metric], baseline[metric]);
    parts.push(`${metric} ${formatNumber(means[metric])}${change ? " " + change : ""}`);
  } else {
    parts.push(run.status ?? "");
  }
  const dur = formatDuration(run.durationS);
  if (dur) {
    parts.push(dur);
  }
  if (run.where) {
    parts.push(`on ${run.where}`); // a Ray cluster node (docs/cluster.md)
  }
  const rows = Object.keys({ ...baseline, ...means }).map((m) => {
    const b = baseline[m];
    const v = means[m];
    const shown = notReached[m] !== undefined ? `not reached (${md(notReached[m])})` : v;
    return `| ${md(m)} | ${b === undefined ? "–" : formatNumber(b)} | ${shown === undefined ? "–" : typeof shown === "number" ? formatNumber(shown) : shown} |`;
  });
  const tooltip = [
    `**${run.run}**${isBaseline ? " (baseline)" : ""}: ${run.status}${dur ? `, ${dur}` : ""}`,
    run.where ? `\n\nRan on ${md(run.where)}` : "",
    run.description ? `\n\n${md(run.description)}` : "",
    rows.length
      ? `\n\n| metric | baseline | ${run.run} |\n|---|---:|---:|\n${rows.join("\n")}`
      : "",
    run.status === "cancelled"
      ? "\n\nCancelled before it finished: its folder and logs are kept, and a resume runs it again."
      : "",
    run.error ? `\n\n**Error:** ${md(run.error)}` : "",
    stderrMarkdown(run.stderr),
  ].join("");
  const state = RUN_STATES[run.status ?? ""];
  return {
    id: `run:${folder}:${run.run}`,
    label: isBaseline ? "run_0 (baseline)" : run.run,
    description: parts.join(" · "),
    tooltip,
    icon: state?.icon ?? { id: "pass", color: "testing.iconPassed" },
    contextValue: state?.context ?? "run",
    data: { kind: "run", folder, run: run.run },
  };
}

/** `baseline_<scale>`, or `baseline` of a template without scales (its whole study at every scale). */
export function isBaselineFolder(folder: string): boolean {
  const name = path.basename(folder);
  return name === "baseline" || name.startsWith("baseline_");
}

export function folderNode(f: FolderRuns): Node {
  const name = path.basename(f.folder);
  const isBaseline = isBaselineFolder(name);
  const label = !isBaseline
    ? (f.idea ?? name)
    : name === "baseline"
      ? "baseline (no scales: whole study)"
      : `baseline (${name.slice("baseline_".length)})`;
  const baseRun = f.runs.find((r) => r.run === "run_0");
  const base = baseRun ? measured(baseRun) : {};
  const count = (status: string) => f.runs.filter((r) => r.status === status).length;
  const others = new Set(["failed", "cancelled", "running"]);
  const done = f.runs.filter((r) => !others.has(r.status ?? "")).length;
  const parts = [];
  if (f.running) {
    parts.push("running");
  }
  parts.push(`${done} done`);
  for (const status of ["failed", "cancelled"]) {
    if (count(status)) {
      parts.push(`${count(status)} ${status}`);
    }
  }
  // When the idea folder was made: in the tooltip, so the row keeps room for its counts.
  const stamp = stampOf(f.folder);
  return {
    id: `folder:${f.folder}`,
    label,
    description: parts.join(" · "),
    tooltip:
      `**${md(label)}**${stamp ? ` (made ${stamp})` : ""}\n\n${md(f.folder)}` +
      (f.running ? `\n\nRunning: ${f.running}` : ""),
    icon: f.running ? { id: "sync~spin" } : isBaseline ? { id: "milestone" } : { id: "beaker" },
    contextValue: isBaseline ? "folder.baseline" : "folder.idea",
    expanded: !isBaseline || Boolean(f.running), // a running baseline shows its run
    children: f.runs.map((r) => runNode(f.folder, r, base, f.metric ?? null)),
    command: { command: "aiScientist.showResults", title: "Show Results" },
    data: { kind: "folder", folder: f.folder, idea: f.idea ?? null, baseline: isBaseline },
  };
}

export function runNodes(results: { template: TemplateInfo; folders: FolderRuns[] }[]): Node[] {
  const groups = results.map(({ template, folders }) => ({
    template,
    children: [...folders]
      .sort(
        (a, b) =>
          Number(isBaselineFolder(a.folder)) - Number(isBaselineFolder(b.folder)) ||
          b.folder.localeCompare(a.folder),
      )
      .map(folderNode),
  }));
  if (groups.length === 1) {
    return groups[0].children;
  }
  return groups.map(({ template, children }) => ({
    id: `runs:${template.path}`,
    label: template.name,
    description: count(children.length, "folder"),
    icon: { id: "beaker" },
    children,
    expanded: true,
    contextValue: "template",
    data: { kind: "template", template: template.path, name: template.name },
  }));
}
