/**
 * The shapes of docs/lsp.md, as TypeScript types: query results (§2), notifications (§3) and
 * the proposal request (§5). Every field the server may leave out is optional here, and the
 * code reading them tolerates its absence (the server is written in parallel).
 */

/** `{dataset: {metric: number}}` as in final_info.json; a flat `{metric: number}` is tolerated. */
export type Means = Record<string, Record<string, number> | number>;

export interface TemplateInfo {
  name: string;
  path: string;
  ok?: boolean;
  errors?: number;
  warnings?: number;
  knobs?: string[];
  baseline?: Record<string, string>;
}

export interface Paper {
  title: string;
  year?: number | null;
  venue?: string | null;
  url?: string | null;
  similarity?: number | null;
}

export interface Verdict {
  label?: string;
  reason?: string;
  /** "model" (a verdict against papers) or "unchecked" (no model judged it). */
  kind?: string;
  localOnly?: boolean;
  queries?: string[];
  papers?: Paper[];
}

export interface IdeaInfo {
  name: string;
  title?: string;
  experiment?: string;
  interestingness?: number | null;
  feasibility?: number | null;
  novelty?: number | null;
  novel?: boolean | null;
  verdict?: Verdict | null;
  folder?: string | null;
}

export interface IdeasResult {
  template: string;
  path: string;
  ideas: IdeaInfo[];
  seeds?: IdeaInfo[];
}

export interface RunInfo {
  run: string;
  /** "done", "failed", or the state the idea's record holds for a run not finished. */
  status: string;
  description?: string;
  means?: Means;
  durationS?: number | null;
  error?: string | null;
  stderr?: string | null;
  /** The cluster node it ran on ("3fa2c1d0 (gpu-07)"); absent for a run on this machine. */
  where?: string | null;
}

export interface FolderRuns {
  folder: string;
  idea?: string | null;
  running?: string | null;
  runs: RunInfo[];
}

export interface PaperInfo {
  folder: string;
  idea?: string;
  title?: string;
  pdf?: string | null;
  review?: string | null;
  /** "model" (scores and a decision) or "checklist" (automatic checks, not judged). */
  kind?: string | null;
  /** One line: "Accept, overall 6/10", or "checks 5/5 passed, not judged". */
  verdict?: string | null;
  scores?: Record<string, number | null>;
  decision?: string | null;
}

/** Costs are null when no call had a known price; `unknown`: some call's price is unknown. */
export interface CostInfo {
  totalUsd: number | null;
  unknown?: boolean;
  byStage: Record<string, number | null>;
  tokensIn?: number;
  tokensOut?: number;
  maxCostUsd?: number | null;
  ledgers?: { path: string; totalUsd: number | null; unknown?: boolean }[];
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
  | { action: "accept" }
  | { action: "edit"; text: string }
  | { action: "reject"; reason: string };

export interface StageChanged {
  stage: string;
  folder?: string | null;
  state: "started" | "finished" | "failed";
  message?: string;
  job?: string | null;
}

export interface JobStarted {
  job: string;
  command: string;
  folder?: string | null;
  token?: string | null;
}

export interface JobFinished {
  job: string;
  command: string;
  ok: boolean;
  cancelled: boolean;
  message?: string;
}

export interface PreviewReady {
  folder: string;
  tex?: string;
  pdf?: string | null;
  ok: boolean;
  diagnostics?: number;
  errors?: number;
  durationS?: number;
}

export interface CostUpdated {
  totalUsd: number | null;
  unknown?: boolean;
  byStage?: Record<string, number | null>;
  sessionTotalUsd?: number | null;
  sessionUnknown?: boolean;
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
