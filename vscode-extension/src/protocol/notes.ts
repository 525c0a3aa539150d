/**
 * The `aisci/*` notifications (docs/lsp.md §3), as server/aisci/lsp/wire/notes.py declares them,
 * and `NOTIFICATIONS`, the methods the extension listens to. tests/lsp/test_wire.py checks each
 * interface here against the wire type of its name, and the list against the server's: keep each
 * field on one line.
 */

import type { Means } from "./answers";

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

export interface BuildProblem {
  message: string;
  /** Absolute path of the file it is in. */
  file: string;
  /** 1-based; null when the log names none. */
  line: number | null;
}

export interface PreviewReady {
  folder: string;
  tex: string;
  /** The PDF of record: this build's when it worked, else the newest good one. */
  pdf: string | null;
  /** Whether this build worked. */
  ok: boolean;
  diagnostics: number;
  errors: number;
  durationS: number | null;
  /** When `pdf` was built, seconds since the epoch. */
  builtAt: number | null;
  /** A source was written after `pdf` was built. */
  stale: boolean;
  firstError: BuildProblem | null;
  /** TeX programs not on the server's PATH, each named once per server session. */
  missing: string[];
  /** The command that installs them. */
  install: string | null;
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
  // a run has started (here or on a node): the Runs view lists it running
  "aisci/runPlaced",
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
