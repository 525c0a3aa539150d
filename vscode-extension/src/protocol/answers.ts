/**
 * The answers of the quick commands (docs/lsp.md §2, "Queries"), as server/aisci/lsp/wire/answers.py
 * declares them; `Means` is the wire's shared mapping of a run's means (wire/base.py).
 * tests/lsp/test_wire.py checks each interface here against the wire type of its name: keep each
 * field on one line, `?` only where the server leaves the field out, `| null` where it sends null.
 */

/** `{dataset: {metric: number}}` as in final_info.json; a flat `{metric: number}` is tolerated. */
export type Means = Record<string, Record<string, number> | number>;

export interface TemplateInfo {
  name: string;
  path: string;
  ok: boolean;
  errors: number;
  warnings: number;
  /** A knob without a name (the template's check reports it) is null. */
  knobs: (string | null)[];
  /** Scale (or "whole study") -> its finished baseline folder. */
  baseline: Record<string, string>;
}

/** `aisci.checkTemplate`: one problem of the template (also published as a diagnostic). */
export interface TemplateProblem {
  file: string;
  line: number | null;
  /** "error" or "warning". */
  severity: string;
  message: string;
  field: string | null;
}

export interface TemplateCheck {
  ok: boolean;
  template: string;
  problems: TemplateProblem[];
}

export interface Paper {
  title: string;
  year?: number | null;
  venue?: string | null;
  url?: string | null;
  similarity?: number | null;
}

export interface Verdict {
  label: string | null;
  reason: string | null;
  /** "model" (a verdict against papers) or "unchecked" (no model judged it). */
  kind: string | null;
  localOnly: boolean | null;
  queries: string[];
  papers: Paper[];
}

export interface IdeaInfo {
  /** null only for a seed idea without a "Name" (the template's check reports it). */
  name: string | null;
  title: string | null;
  experiment: string | null;
  interestingness: number | null;
  feasibility: number | null;
  novelty: number | null;
  novel: boolean | null;
  /** Left out for a seed idea; null for an idea not checked yet. */
  verdict?: Verdict | null;
  folder: string | null;
}

export interface IdeasResult {
  template: string;
  path: string;
  ideas: IdeaInfo[];
  seeds: IdeaInfo[];
}

export interface RunInfo {
  run: string;
  /** "done", "failed", or the state the idea's record holds for a run not finished. */
  status: string | null;
  description: string;
  means: Means;
  durationS: number | null;
  error: string | null;
  stderr: string;
  /** The cluster node it ran on ("3fa2c1d0 (gpu-07)"); null for a run on this machine. */
  where: string | null;
  /** {dataset: {metric: what it stands for}}: means that are a declared sentinel's stand-in
   * (aisci.json `sentinels`), shown as "not reached", never as a result. */
  notReached: Record<string, Record<string, string>>;
}

export interface FolderRuns {
  folder: string;
  idea: string;
  running: string | null;
  runs: RunInfo[];
  /** The template's declared metric (aisci.json): which change is better; null: none. */
  metric: SearchMetric | null;
}

/** The metric a search optimises (docs/search.md). */
export interface SearchMetric {
  name: string;
  /** null: the first dataset that reports the metric. */
  dataset: string | null;
  direction: "max" | "min";
  source: string;
}

/** A node of tree.json with the paths of its code and its parent's (null when missing). */
export interface SearchNodeInfo {
  id: number;
  parent: number | null;
  /** "root", "draft", "improve", "debug" or "seed" (docs/search.md); any other shows as it is. */
  kind: string;
  description: string;
  /** "pending", "running", "done", "failed", "pruned" or "duplicate". */
  status: string;
  diff: string;
  codeHash: string;
  metric: number | null;
  means: Means;
  error: string | null;
  note: string | null;
  pinned: boolean;
  pruned: boolean;
  seed: number | null;
  depth: number;
  duplicateOf: number | null;
  run: string | null;
  /** Absolute path of run_<id>.py, null when the node runs nothing. */
  code: string | null;
  /** Absolute path of the parent's run_<parent>.py. */
  parentCode: string | null;
}

/** The seeds' confirmation as tree.json records it (passed on as it is: every field may lack). */
export interface SearchConfirmation {
  node?: number;
  mean?: number | null;
  std?: number | null;
  n?: number;
  seeds?: number[];
}

/** `aisci.getTree`: the search record of an idea folder. */
export interface TreeResult {
  folder: string;
  /** null: the folder has no tree.json. */
  search: "tree" | "linear" | null;
  metric: SearchMetric | null;
  settings: Record<string, unknown>;
  nodes: SearchNodeInfo[];
  best: number | null;
  bestPath: number[];
  confirmation: SearchConfirmation | null;
  notes: string[];
}

export interface PaperInfo {
  folder: string;
  idea: string;
  template: string;
  title: string | null;
  /** The PDF of record (the newest successful build). */
  pdf: string | null;
  /** When it was built, seconds since the epoch. */
  pdfBuiltAt: number | null;
  /** A source in latex/ was written after it. */
  pdfStale: boolean;
  review: string | null;
  /** "model" (scores and a decision) or "checklist" (automatic checks, not judged). */
  kind: string | null;
  /** One line: "Accept, overall 6/10", or "checks 5/5 passed, not judged". */
  verdict: string | null;
  scores: Record<string, number | null>;
  decision: string | null;
}

/** A cost.json in the results folder: its known cost (null when no call had a price). */
export interface LedgerCost {
  path: string;
  totalUsd: number | null;
  unknown: boolean;
}

/** Costs are null when no call had a known price; `unknown`: some call's price is unknown. */
export interface CostInfo {
  totalUsd: number | null;
  unknown: boolean;
  byStage: Record<string, number | null>;
  tokensIn: number;
  tokensOut: number;
  maxCostUsd: number | null;
  ledgers: LedgerCost[];
}

/** `aisci.checkTemplateName`: what `aisci template new NAME --dir DIR` would say of the name. */
export interface TemplateNameCheck {
  name: string;
  /** null: the CLI would create it; else its message (not snake_case, or the folder exists). */
  problem: string | null;
}

/** `aisci.newTopic`: the example topic written to `<dir>/<name>.md`. */
export interface TopicWritten {
  path: string;
  name: string;
}

/** `aisci.checkTopic`: the topic's problems (also published as diagnostics on the file). */
export interface TopicCheck {
  /** No problem is an error: the topic can be drafted from. */
  ok: boolean;
  topic: string;
  /** The template folder it drafts into; null when the topic cannot be read. */
  name: string | null;
  /** `file` is the topic file's name. */
  problems: TemplateProblem[];
}
