/**
 * The views' items, built from the server's query results (docs/lsp.md §2, queries): the
 * Templates, Ideas and Papers views here, the Runs view in runsModel.ts, with the formatting
 * they share (numbers, durations, means, Markdown).
 *
 * Contract: each `*Nodes` function maps query results to plain `Node` values (label,
 * description, Markdown tooltip, codicon, context value, children, click command) that the
 * tree providers turn into `vscode.TreeItem`s one to one. Context values drive the views'
 * context menus in package.json. Pure: no `vscode` import, unit-tested.
 */

import * as path from "path";
import type { IdeaInfo, IdeasResult, Means, PaperInfo, TemplateInfo } from "../protocol";

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

/** The change from the baseline alone ("−25%"), for a row's description; "" when unknown. */
export function changeFromBaseline(value: number, base: number | undefined): string {
  if (base === undefined || base === 0) {
    return "";
  }
  const pct = ((value - base) / Math.abs(base)) * 100;
  const sign = pct > 0 ? "+" : pct < 0 ? "−" : "±";
  return `${sign}${Math.abs(pct).toFixed(0)}%`;
}

/** "1 folder", "2 folders". */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** `text` cut to `max` characters (the full text is in the tooltip). */
export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** `text` with Markdown's special characters escaped, for a tooltip. */
export function md(text: string): string {
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
    description: count(children.filter((c) => c.data.kind === "idea").length, "idea"),
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

/** When the PDF of record was built, and whether a save has not been built yet. */
export function builtLine(builtAt: number | null, stale: boolean): string {
  const when = builtAt === null ? "" : ` built ${new Date(builtAt * 1000).toLocaleString()}`;
  const older = stale ? "; older than the source (a save has not been built yet)" : "";
  return when || older ? `\n\nPDF${when}${older}.` : "";
}

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
    } else if (p.pdfStale) {
      parts.push("PDF older than the source");
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
      p.pdf ? builtLine(p.pdfBuiltAt ?? null, p.pdfStale === true) : "",
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
