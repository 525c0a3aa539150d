/**
 * The shapes of docs/lsp.md, as TypeScript types: query results (§2), notifications (§3) and
 * the proposal request (§5). The query results are declared once, in server/aisci/lsp/wire.py:
 * tests/lsp/test_wire.py checks each interface below against the schema derived from it (its
 * fields, which are optional, and their basic types), and every answer the LSP tests receive is
 * validated against that schema. A field is optional (`?`) only where the server leaves it out;
 * `| null` where it sends null. Keep each field on one line: the test reads this file.
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
