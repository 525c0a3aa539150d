/**
 * The results of the long commands (docs/lsp.md §2, "Command reference"), as
 * server/aisci/lsp/wire/results.py declares them. Each has `ok`, false for a stage that ran and
 * did not succeed. tests/lsp/test_wire.py checks each interface here against the wire type of its
 * name: keep each field on one line.
 */

import type { Means } from "./answers";

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

export interface ReproducedNumber {
  /** The macro call, or the literal number as written. */
  text: string;
  /** In template.tex; 0 when the paper states nothing and every run's means are shown. */
  line: number;
  source: string;
  original: number | null;
  reproduced: number | null;
  /** "not comparable (wall-clock)": a metric the clock measures, re-measured but never compared. */
  status: "reproduced" | "differs" | "not re-run" | "failed" | "not comparable (wall-clock)";
  runs: string[];
}

/** `aisci.reproduce`: the runs re-run in `folder` (IDEA/reproduce/<stamp>), `report` its reproduce.json. */
export interface ReproduceResult {
  ok: boolean;
  message: string;
  folder: string;
  report: string;
  reran: string[];
  failed: string[];
  numbers: ReproducedNumber[];
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

/** `aisci.draftTemplate`: the template a model drafted from a topic (docs/topics.md). */
export interface TemplateDrafted {
  ok: boolean;
  message: string;
  /** The new template folder. */
  template: string;
  name: string;
  topic: string;
  /** The node whose files became the template, and its label ("node 2 (debug of node 1)"). */
  winner: number;
  winnerLabel: string;
  /** The nodes tried, the winner included. */
  nodes: number;
  /** The nodes' known model cost; null when no call had a price. */
  costUsd: number | null;
  /** Some call's price is unknown: `costUsd` is a lower bound. */
  costUnknown: boolean;
  /** Drafted by an earlier command: nothing was asked or run. */
  reused: boolean;
  /** The drafting record's folder, `<template>/drafting`. */
  record: string;
}
