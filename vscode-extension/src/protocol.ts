/**
 * The shapes of docs/lsp.md, as TypeScript types: quick answers and long commands' results
 * (§2), notifications (§3) and the proposal request (§5). Each answer, result and notification
 * is declared once, in server/aisci/lsp/wire/: tests/lsp/test_wire.py checks each interface
 * below that has a wire type's name against the schema derived from it (its fields, which are
 * optional, and their basic types), and every answer, result and notification the LSP tests
 * receive is validated against that schema. A field is optional (`?`) only where the server
 * leaves it out; `| null` where it sends null. Keep each field on one line: the test reads
 * this file.
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
}

export interface FolderRuns {
  folder: string;
  idea: string;
  running: string | null;
  runs: RunInfo[];
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
  pdf: string | null;
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

// -- long commands' results (§2, "Command reference"); each has ok, false for a stage that ran
// and did not succeed.

export interface BaselineResult {
  ok: boolean;
  folder: string;
  means: Means;
  figures: string[];
  durationS: number;
  sandbox: string;
  /** A finished baseline was found and not run again. */
  reused: boolean;
}

export interface IdeasGenerated {
  ok: boolean;
  path: string;
  /** The names of the new ideas. */
  ideas: string[];
}

export interface NoveltyVerdict {
  name: string;
  novel: boolean | null;
  label: string | null;
  reason: string | null;
}

export interface NoveltyChecked {
  ok: boolean;
  path: string;
  ideas: NoveltyVerdict[];
}

export interface LaunchedIdea {
  idea: string;
  folder: string | null;
  ok: boolean;
  message: string;
}

export interface LaunchResult {
  ok: boolean;
  template: string;
  ideas: LaunchedIdea[];
}

export interface RunOutcome {
  run: string;
  description: string;
  means: Means;
  error: string | null;
}

export interface ExperimentsResult {
  ok: boolean;
  folder: string;
  message: string;
  runs: RunOutcome[];
}

export interface PlotsResult {
  ok: boolean;
  folder: string;
  message: string;
  figures: string[];
}

export interface DraftResult {
  ok: boolean;
  message: string;
  folder: string;
  tex: string;
}

export interface BuildResult {
  ok: boolean;
  message: string;
  folder: string;
  /** null: no PDF came out. */
  pdf: string | null;
  diagnostics: number;
  errors: number;
  /** pdflatex's .log. */
  log: string | null;
}

export interface Mismatch {
  file: string;
  line: number;
  message: string;
}

export interface ConsistencyResult {
  ok: boolean;
  folder: string;
  checked: number;
  notes: string[];
  mismatches: Mismatch[];
}

/** `aisci.review` and `aisci.improve`; the review's fields are null when no review file can be read. */
export interface ReviewResult {
  ok: boolean;
  message: string;
  folder: string;
  /** The (meta-)review: a model's NeurIPS form, or a checklist (`Kind: "checklist"`). */
  review: Record<string, unknown> | null;
  reviewKind: "model" | "checklist" | null;
  verdict: string | null;
  /** null for a checklist. */
  decision: string | null;
}

export interface ReviewProposalParams {
  id: string;
  folder: string;
  file: string;
  uri: string;
  description: string;
  stage: string;
  original: string;
  proposed: string;
  diff?: string;
  job?: string;
}

export type ProposalAnswer =
  { action: "accept" } | { action: "edit"; text: string } | { action: "reject"; reason: string };

export interface StageChanged {
  stage: string;
  folder: string | null;
  state: "started" | "finished" | "failed";
  message: string;
  /** What the stage made (paths, counts), as the stage's result holds it. */
  outputs: Record<string, unknown>;
  job: string;
}

export interface JobStarted {
  job: string;
  command: string;
  folder: string | null;
  /** null: the client has no work-done progress. */
  token: string | null;
}

export interface JobFinished {
  job: string;
  command: string;
  ok: boolean;
  cancelled: boolean;
  /** "done", "failed" or "cancelled". */
  message: string;
}

export interface LogMessage {
  /** "info", "warning" or "error". */
  level: string;
  message: string;
  folder: string | null;
  job: string;
}

/** A run started on a cluster node ("3fa2c1d0 (gpu-07)"). */
export interface RunPlaced {
  folder: string;
  run: string;
  where: string;
}

export interface RunFinished {
  folder: string;
  run: string;
  ok: boolean;
  durationS: number | null;
  exitCode: number | null;
  message: string;
  means: Means;
  /** "job", or "watcher" for a run another process finished. */
  source: string;
  /** The cluster node (null on this machine); left out by the watcher, which does not know. */
  where?: string | null;
}

export interface IdeasChanged {
  /** The template's name. */
  template: string;
  path: string;
  source: string;
}

export interface ProposalReady {
  id: string;
  folder: string;
  file: string;
  uri: string;
  description: string;
  stage: string;
  diff: string;
  job: string;
}

export interface ProposalDecided {
  id: string;
  folder: string;
  file: string;
  /** "accept", "edit" or "reject". */
  action: string;
  reason: string | null;
}

export interface TreeChanged {
  folder: string;
}

export interface PreviewReady {
  folder: string;
  tex: string;
  pdf: string | null;
  ok: boolean;
  diagnostics: number;
  errors: number;
  durationS: number | null;
  /** Sent by the preview's own build (null when it worked); left out after a paper stage. */
  error?: string | null;
}

export interface CostUpdated {
  totalUsd: number | null;
  unknown: boolean;
  byStage: Record<string, number | null>;
  tokensIn: number;
  tokensOut: number;
  folder: string | null;
  sessionTotalUsd: number | null;
  sessionUnknown: boolean;
}

export const NOTIFICATIONS = [
  "aisci/jobStarted",
  "aisci/jobFinished",
  "aisci/stageChanged",
  "aisci/runFinished",
  "aisci/ideasChanged",
  "aisci/proposalReady",
  "aisci/proposalDecided",
  "aisci/previewReady",
  "aisci/costUpdated",
  "aisci/log",
  "aisci/treeChanged",
] as const;

export type NotificationMethod = (typeof NOTIFICATIONS)[number];

/** JSON-RPC error codes of docs/lsp.md §2. */
export const ErrorCode = {
  InvalidParams: -32602,
  StageFailed: -32001,
  Busy: -32002,
  Restricted: -32004,
  RequestCancelled: -32800,
} as const;
