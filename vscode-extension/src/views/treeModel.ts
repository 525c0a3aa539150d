/**
 * The four views' items, built from the server's query results (docs/lsp.md §2, queries).
 *
 * Contract: each `*Nodes` function maps query results to plain `Node` values (label,
 * description, Markdown tooltip, codicon, context value, children, click command) that the
 * tree providers turn into `vscode.TreeItem`s one to one. Context values drive the views'
 * context menus in package.json. Pure: no `vscode` import, unit-tested.
 */

import * as path from "path";
import type {
  FolderRuns,
  IdeaInfo,
  IdeasResult,
  Means,
  PaperInfo,
  RunInfo,
  TemplateInfo,
} from "../protocol";

export type NodeData =
  | { kind: "template"; template: string; name: string }
  | { kind: "idea"; template: string; name: string; folder?: string | null }
  | { kind: "folder"; folder: string; idea?: string | null; baseline: boolean }
  | { kind: "run"; folder: string; run: string }
  | { kind: "paper"; folder: string; pdf?: string | null; review?: string | null; idea?: string }
  | {
      kind: "searchNode";
      folder: string;
      node: number;
      parent: number | null;
      code: string | null;
      parentCode: string | null;
      diff: string;
    }
  | { kind: "group"; template?: string };

export interface Node {
  id: string;
  label: string;
  description?: string;
  /** Markdown. */
  tooltip?: string;
  icon?: { id: string; color?: string };
  contextValue?: string;
  children?: Node[];
  expanded?: boolean;
  command?: { command: string; title: string };
  data: NodeData;
}

// ---------- formatting ----------

export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) {
    return String(x);
  }
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) {
    return x.toExponential(2);
  }
  return Number(x.toPrecision(4)).toString();
}

export function formatDuration(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) {
    return "";
  }
  if (s < 10) {
    return `${s.toFixed(1)} s`;
  }
  if (s < 120) {
    return `${Math.round(s)} s`;
  }
  if (s < 7200) {
    return `${Math.round(s / 60)} min`;
  }
  return `${(s / 3600).toFixed(1)} h`;
}

/** `{dataset: {metric: v}}` -> `{"dataset/metric": v}`; with one dataset the metric alone. */
export function flattenMeans(means: Means | undefined | null): Record<string, number> {
  const out: Record<string, number> = {};
  if (!means) {
    return out;
  }
  const datasets = Object.entries(means);
  const nested = datasets.filter(([, v]) => typeof v === "object" && v !== null);
  const single = nested.length === 1;
  for (const [name, value] of datasets) {
    if (typeof value === "number") {
      out[name] = value;
    } else if (typeof value === "object" && value !== null) {
      for (const [metric, v] of Object.entries(value)) {
        if (typeof v === "number") {
          out[single ? metric : `${name}/${metric}`] = v;
        }
      }
    }
  }
  return out;
}

/** The metric a run is summarised by: a validation metric when there is one, else the first. */
export function keyMetric(names: string[]): string | undefined {
  return (
    names.find((n) => /val/i.test(n)) ?? names.find((n) => /loss|acc|err/i.test(n)) ?? names[0]
  );
}

export function compareToBaseline(value: number, base: number | undefined): string {
  if (base === undefined) {
    return formatNumber(value);
  }
  if (base === 0) {
    return `${formatNumber(value)} (baseline ${formatNumber(base)})`;
  }
  const pct = ((value - base) / Math.abs(base)) * 100;
  const sign = pct > 0 ? "+" : pct < 0 ? "−" : "±";
  return `${formatNumber(value)} (baseline ${formatNumber(base)}, ${sign}${Math.abs(pct).toFixed(0)}%)`;
}

function md(text: string): string {
  return text.replace(/([\\`*_{}[\]()#+\-.!|<>])/g, "\\$1");
}

function score(x: number | null | undefined): string {
  return x === null || x === undefined ? "–" : String(x);
}

/** `20250101_120000_name` -> `2025-01-01 12:00`. */
export function stampOf(folder: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})_/.exec(path.basename(folder));
  return m ? `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}` : undefined;
}

// ---------- Templates ----------

export function templateNodes(templates: TemplateInfo[]): Node[] {
  return templates.map((t) => {
    const errors = t.errors ?? 0;
    const warnings = t.warnings ?? 0;
    const scales = Object.keys(t.baseline ?? {});
    const parts = [];
    if (t.knobs && t.knobs.length) {
      parts.push(`${t.knobs.length} knob${t.knobs.length === 1 ? "" : "s"}`);
    }
    parts.push(scales.length ? `baseline: ${scales.join(", ")}` : "no baseline yet");
    if (errors) {
      parts.push(`${errors} error${errors === 1 ? "" : "s"}`);
    }
    const tooltip = [
      `**${md(t.name)}**`,
      "",
      md(t.path),
      "",
      errors || warnings
        ? `${errors} error(s), ${warnings} warning(s) (see Problems)`
        : "The template check found no problem.",
      t.knobs && t.knobs.length ? `\n\nKnobs: ${t.knobs.map((k) => md(k ?? "")).join(", ")}` : "",
    ].join("\n");
    return {
      id: `template:${t.path}`,
      label: t.name,
      description: parts.join(" · "),
      tooltip,
      icon: errors
        ? { id: "error", color: "errorForeground" }
        : warnings
          ? { id: "warning", color: "list.warningForeground" }
          : { id: "beaker" },
      contextValue: "template",
      data: { kind: "template", template: t.path, name: t.name },
    };
  });
}

// ---------- Ideas ----------

export function ideaTooltip(idea: IdeaInfo): string {
  const lines = [`**${md(idea.title || idea.name || "")}** (\`${idea.name}\`)`, ""];
  if (idea.experiment) {
    lines.push(md(idea.experiment), "");
  }
  lines.push(
    `Interestingness ${score(idea.interestingness)} · Feasibility ${score(idea.feasibility)} · Novelty ${score(idea.novelty)}`,
    "",
  );
  const v = idea.verdict;
  if (!v) {
    lines.push(
      idea.novel === undefined || idea.novel === null
        ? "_Novelty not checked yet._"
        : `Novel: ${idea.novel}`,
    );
    return lines.join("\n");
  }
  const label =
    v.label ?? (idea.novel ? "novel" : idea.novel === false ? "not novel" : "unchecked");
  const judged = (v.kind === undefined || v.kind === "model") && typeof idea.novel === "boolean";
  lines.push(
    judged
      ? `**Verdict (model): ${md(label)}**${v.localOnly ? " (local corpus only)" : ""}${v.reason ? ": " + md(v.reason) : ""}`
      : `**Novelty ${md(label)}**: not judged by a model.${v.reason ? " " + md(v.reason) : ""}`,
  );
  const papers = v.papers ?? [];
  if (papers.length) {
    lines.push("", judged ? "Deciding papers:" : "Closest papers found (not judged):", "");
    for (const p of papers.slice(0, 8)) {
      const where = [p.venue, p.year]
        .filter((x) => x !== null && x !== undefined && x !== "")
        .join(" ");
      const sim = typeof p.similarity === "number" ? `, similarity ${p.similarity.toFixed(2)}` : "";
      const title = p.url ? `[${md(p.title)}](${p.url})` : md(p.title);
      lines.push(`- ${title}${where ? ` (${md(where)})` : ""}${sim}`);
    }
  } else if (v.queries && v.queries.length) {
    lines.push(
      "",
      `Searched: ${v.queries.map((q) => "`" + q.replace(/`/g, "'") + "`").join(", ")}; no close paper found.`,
    );
  }
  return lines.join("\n");
}

/** Only a model's verdict against papers gets a pass / fail icon; anything else is unchecked. */
export function noveltyIcon(idea: IdeaInfo): { id: string; color?: string } {
  const byModel = !idea.verdict || idea.verdict.kind === undefined || idea.verdict.kind === "model";
  if (byModel && idea.novel === true) {
    return { id: "pass", color: "testing.iconPassed" };
  }
  if (byModel && idea.novel === false) {
    return { id: "circle-slash", color: "testing.iconFailed" };
  }
  return { id: "question" };
}

/** A word after the scores: "novel"/"not novel" for a model's verdict, "unchecked" otherwise. */
export function noveltyWord(idea: IdeaInfo): string {
  if (!idea.verdict && (idea.novel === undefined || idea.novel === null)) {
    return "";
  }
  if (
    idea.novel === null ||
    idea.novel === undefined ||
    (idea.verdict?.kind && idea.verdict.kind !== "model")
  ) {
    return "unchecked";
  }
  return idea.novel ? "novel (model)" : "not novel (model)";
}

function ideaNode(templatePath: string, idea: IdeaInfo, seed: boolean): Node {
  return {
    id: `idea:${templatePath}:${seed ? "seed:" : ""}${idea.name}`,
    label: idea.name ?? "",
    description:
      `I ${score(idea.interestingness)} · F ${score(idea.feasibility)} · N ${score(idea.novelty)}` +
      (seed || !noveltyWord(idea) ? "" : ` · ${noveltyWord(idea)}`),
    tooltip: ideaTooltip(idea),
    icon: seed ? { id: "lightbulb" } : noveltyIcon(idea),
    contextValue: idea.folder ? "idea.withFolder" : "idea",
    data: {
      kind: "idea",
      template: templatePath,
      name: idea.name ?? "",
      folder: idea.folder ?? null,
    },
  };
}

export function ideaNodes(results: { template: TemplateInfo; ideas: IdeasResult }[]): Node[] {
  const groups = results.map(({ template, ideas }) => {
    const children = ideas.ideas.map((i) => ideaNode(template.path, i, false));
    const seeds = ideas.seeds ?? [];
    if (seeds.length) {
      children.push({
        id: `seeds:${template.path}`,
        label: "Seed ideas",
        description: String(seeds.length),
        icon: { id: "lightbulb" },
        children: seeds.map((i) => ideaNode(template.path, i, true)),
        expanded: false,
        data: { kind: "group", template: template.path },
      });
    }
    return { template, children };
  });
  if (groups.length === 1) {
    return groups[0].children;
  }
  return groups.map(({ template, children }) => ({
    id: `ideas:${template.path}`,
    label: template.name,
    description: `${children.filter((c) => c.data.kind === "idea").length} ideas`,
    icon: { id: "beaker" },
    children,
    expanded: true,
    contextValue: "template",
    data: { kind: "template", template: template.path, name: template.name },
  }));
}

// ---------- Runs ----------

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

export function runNode(folder: string, run: RunInfo, baseline: Record<string, number>): Node {
  const means = flattenMeans(run.means);
  const metric = keyMetric(Object.keys(means).length ? Object.keys(means) : Object.keys(baseline));
  const isBaseline = run.run === "run_0";
  const parts: string[] = [];
  if (run.status === "failed") {
    const reason = (run.error ?? "").split("\n")[0];
    parts.push(`failed${reason ? ": " + reason : ""}`);
  } else if (metric !== undefined && means[metric] !== undefined) {
    parts.push(
      `${metric} ${isBaseline ? formatNumber(means[metric]) : compareToBaseline(means[metric], baseline[metric])}`,
    );
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
    return `| ${md(m)} | ${b === undefined ? "–" : formatNumber(b)} | ${v === undefined ? "–" : formatNumber(v)} |`;
  });
  const tooltip = [
    `**${run.run}**${isBaseline ? " (baseline)" : ""}: ${run.status}${dur ? `, ${dur}` : ""}`,
    run.where ? `\n\nRan on ${md(run.where)}` : "",
    run.description ? `\n\n${md(run.description)}` : "",
    rows.length
      ? `\n\n| metric | baseline | ${run.run} |\n|---|---:|---:|\n${rows.join("\n")}`
      : "",
    run.error ? `\n\n**Error:** ${md(run.error)}` : "",
    stderrMarkdown(run.stderr),
  ].join("");
  return {
    id: `run:${folder}:${run.run}`,
    label: isBaseline ? "run_0 (baseline)" : run.run,
    description: parts.join(" · "),
    tooltip,
    icon:
      run.status === "failed"
        ? { id: "error", color: "testing.iconFailed" }
        : { id: "pass", color: "testing.iconPassed" },
    contextValue: run.status === "failed" ? "run.failed" : "run",
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
  const base = flattenMeans(f.runs.find((r) => r.run === "run_0")?.means);
  const failed = f.runs.filter((r) => r.status === "failed").length;
  const done = f.runs.filter((r) => r.status !== "failed").length;
  const parts = [];
  if (f.running) {
    parts.push("running");
  }
  parts.push(`${done} done${failed ? `, ${failed} failed` : ""}`);
  const stamp = stampOf(f.folder);
  if (stamp) {
    parts.push(stamp);
  }
  return {
    id: `folder:${f.folder}`,
    label,
    description: parts.join(" · "),
    tooltip: `**${md(label)}**\n\n${md(f.folder)}${f.running ? `\n\nRunning: ${f.running}` : ""}`,
    icon: f.running ? { id: "sync~spin" } : isBaseline ? { id: "milestone" } : { id: "beaker" },
    contextValue: isBaseline ? "folder.baseline" : "folder.idea",
    expanded: !isBaseline,
    children: f.runs.map((r) => runNode(f.folder, r, base)),
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
    description: `${children.length} folders`,
    icon: { id: "beaker" },
    children,
    expanded: true,
    contextValue: "template",
    data: { kind: "template", template: template.path, name: template.name },
  }));
}

// ---------- Papers ----------

export const SCORE_ORDER = [
  "Overall",
  "Originality",
  "Quality",
  "Clarity",
  "Significance",
  "Soundness",
  "Presentation",
  "Contribution",
  "Confidence",
];

export function paperNodes(papers: PaperInfo[]): Node[] {
  return papers.map((p) => {
    // A checklist review is not a judgement: it shows its count of passed checks, never scores.
    const checklist = p.kind === "checklist";
    const scores = checklist ? {} : (p.scores ?? {});
    const overall = scores["Overall"];
    const parts = [];
    if (checklist) {
      parts.push(p.verdict || "checklist, not judged");
    } else {
      if (overall !== undefined && overall !== null) {
        parts.push(`Overall ${overall}/10`);
      }
      if (p.decision) {
        parts.push(p.decision);
      }
    }
    if (!p.pdf) {
      parts.push("no PDF yet");
    } else if (!p.review) {
      parts.push("not reviewed");
    }
    const rows = SCORE_ORDER.filter((k) => scores[k] !== undefined && scores[k] !== null).map(
      (k) => `| ${k} | ${scores[k]} |`,
    );
    const tooltip = [
      `**${md(p.title || p.idea || path.basename(p.folder))}**`,
      checklist
        ? `\n\nChecklist review: ${md(p.verdict || "not judged")} (automatic checks; no decision, no scores)`
        : p.decision
          ? `\n\nDecision (model): **${md(p.decision)}**`
          : "",
      rows.length ? `\n\n| score | |\n|---|---:|\n${rows.join("\n")}` : "",
      `\n\n${p.pdf ? md(p.pdf) : "No PDF yet: run AI Scientist: Build Paper."}`,
    ].join("");
    return {
      id: `paper:${p.folder}`,
      label: p.title || p.idea || path.basename(p.folder),
      description: parts.join(" · "),
      tooltip,
      icon: p.pdf ? { id: "file-pdf" } : { id: "file" },
      contextValue: p.review ? "paper.reviewed" : "paper",
      command: { command: "aiScientist.openPaperPreview", title: "Open Paper Preview" },
      data: {
        kind: "paper",
        folder: p.folder,
        pdf: p.pdf ?? null,
        review: p.review ?? null,
        idea: p.idea,
      },
    };
  });
}
