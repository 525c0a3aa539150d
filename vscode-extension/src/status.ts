/**
 * The status bar item (current stage and cost so far), the running jobs, and the cost ledger.
 *
 * Contract: `Status` follows `aisci/jobStarted` / `aisci/jobFinished` (the jobs the Cancel command
 * offers), `aisci/stageChanged` (per job, the stages started and not yet finished: the innermost is
 * the one running now, so a finished inner stage gives the word back to the one around it), the
 * jobs' progress reports (progress.ts: "run 1 of 3 · step 400/1,250 · …") and `aisci/costUpdated` (the cost
 * shown); clicking the item runs "AI Scientist: Show Cost Ledger", which opens a read-only Markdown
 * document built from `aisci.getCost` (scheme `aisci-ledger`). Pending proposals are counted in the
 * item too, so a dismissed review is not forgotten.
 */

import * as path from "path";
import * as vscode from "vscode";
import type { CostInfo, CostUpdated, JobFinished, JobStarted, StageChanged } from "./protocol";
import type { Notification, ServerManager } from "./server";

/** The stages a job has started and not finished, innermost last. */
export function updateStages(stack: string[], event: { stage: string; state: string }): string[] {
  if (event.state === "started") {
    return [...stack.filter((s) => s !== event.stage), event.stage];
  }
  return stack.filter((s) => s !== event.stage);
}

/** The longest status bar text a run's progress gets (the last parts go first). */
export const STATUS_MAX = 80;

/**
 * The status bar's words for a running job: its stage now, and, while a run trains, the run's
 * progress as the server words it ("experiments: run 1 of 3 · step 400/1,250 · 0:42 elapsed ·
 * ~1:20 left"; lsp/reporter.py), its trailing parts dropped to fit `STATUS_MAX`.
 */
export function runningText(stage: string | undefined, message: string | undefined): string {
  const text = message ?? "";
  const base = stage ?? text.split(":")[0].trim();
  const run = /\brun(?: \d+ of (?:up to )?\d+|_0 \(baseline\))/.exec(text);
  if (!run) {
    return base || "working";
  }
  const parts = text.slice(run.index).split(" · ");
  let shown = `${base}: ${parts.join(" · ")}`;
  while (shown.length > STATUS_MAX && parts.length > 1) {
    parts.pop();
    shown = `${base}: ${parts.join(" · ")}`;
  }
  return shown.length > STATUS_MAX ? `${shown.slice(0, STATUS_MAX - 1)}…` : shown;
}

export const LEDGER_URI = vscode.Uri.from({
  scheme: "aisci-ledger",
  path: "/AI Scientist cost ledger.md",
});

/**
 * A cost as people read it. `unknown` (a call of a model with no known price): "unknown" when
 * no cost is known, "at least $x" beside a known part; never "$0.00" for an unpriced model.
 */
export function usd(x: number | null | undefined, unknown = false): string {
  if (x === null || x === undefined) {
    return unknown ? "unknown" : "–";
  }
  const text = x < 0.01 && x > 0 ? `$${x.toFixed(4)}` : `$${x.toFixed(2)}`;
  return unknown ? `at least ${text}` : text;
}

export function ledgerMarkdown(cost: CostInfo | undefined): string {
  if (!cost) {
    return "# AI Scientist cost ledger\n\nThe server is not running, so the ledger cannot be read.\n";
  }
  const lines = [
    "# AI Scientist cost ledger",
    "",
    `Total so far: **${usd(cost.totalUsd, cost.unknown)}**`,
  ];
  if (cost.maxCostUsd !== undefined && cost.maxCostUsd !== null) {
    lines.push(`Cap (aiScientist.maxCost): ${usd(cost.maxCostUsd)}`);
  }
  if (cost.tokensIn !== undefined || cost.tokensOut !== undefined) {
    lines.push(`Tokens: ${cost.tokensIn ?? 0} in, ${cost.tokensOut ?? 0} out`);
  }
  const stages = Object.entries(cost.byStage ?? {});
  lines.push("", "## By stage", "");
  if (stages.length) {
    lines.push(
      "| stage | cost |",
      "|---|---:|",
      ...stages.map(([s, c]) => `| ${s} | ${usd(c, c === null)} |`),
    );
  } else {
    lines.push("No model call yet (the sweep scientist costs nothing).");
  }
  const ledgers = cost.ledgers ?? [];
  if (ledgers.length) {
    lines.push(
      "",
      "## Ledgers under results/",
      "",
      "| file | cost |",
      "|---|---:|",
      ...ledgers.map((l) => `| ${l.path} | ${usd(l.totalUsd, l.unknown)} |`),
    );
  }
  return lines.join("\n") + "\n";
}

export class Status implements vscode.Disposable, vscode.TextDocumentContentProvider {
  private readonly item = vscode.window.createStatusBarItem(
    "aiScientist.status",
    vscode.StatusBarAlignment.Left,
    50,
  );
  readonly jobs = new Map<string, JobStarted>();
  /** Per job: the stages started and not finished. */
  private readonly stages = new Map<string, string[]>();
  private lastJob: string | undefined;
  private cost: number | null = 0;
  private costUnknown = false;
  private proposals = 0;
  private readonly ledgerChanged = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.ledgerChanged.event;
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly server: ServerManager) {
    this.item.name = "AI Scientist";
    this.item.command = "aiScientist.showCostLedger";
    this.disposables = [
      this.item,
      this.ledgerChanged,
      vscode.workspace.registerTextDocumentContentProvider(LEDGER_URI.scheme, this),
      server.onNotification((n) => this.onNotification(n)),
      server.onDidChangeState(() => this.render()),
      server.progress.onDidChange(() => this.render()),
    ];
    this.render();
    this.item.show();
  }

  setProposals(count: number): void {
    this.proposals = count;
    this.render();
  }

  setCost(total: number): void {
    this.cost = total;
    this.render();
  }

  private onNotification(n: Notification): void {
    switch (n.method) {
      case "aisci/jobStarted": {
        const p = n.params as JobStarted;
        this.jobs.set(p.job, p);
        this.lastJob = p.job;
        break;
      }
      case "aisci/jobFinished": {
        const p = n.params as JobFinished;
        this.jobs.delete(p.job);
        this.stages.delete(p.job);
        if (this.lastJob === p.job) {
          this.lastJob = [...this.jobs.keys()].pop();
        }
        break;
      }
      case "aisci/stageChanged": {
        const p = n.params as StageChanged;
        if (p.job) {
          this.stages.set(p.job, updateStages(this.stages.get(p.job) ?? [], p));
          this.lastJob = p.job;
        }
        break;
      }
      case "aisci/costUpdated": {
        const p = n.params as CostUpdated;
        this.cost = p.sessionTotalUsd !== undefined ? p.sessionTotalUsd : p.totalUsd;
        this.costUnknown = p.sessionUnknown ?? p.unknown ?? false;
        this.ledgerChanged.fire(LEDGER_URI);
        break;
      }
      default:
        return;
    }
    this.render();
  }

  private render(): void {
    const state = this.server.state;
    let text: string;
    let tooltip: string;
    if (state === "failed") {
      text = "$(error) AI Scientist";
      tooltip = this.server.failure ?? "The server is not running.";
    } else if (state === "starting") {
      text = "$(sync~spin) AI Scientist";
      tooltip = "Starting the AI Scientist server…";
    } else if (this.jobs.size > 0) {
      const job = this.lastJob ?? [...this.jobs.keys()].pop() ?? "";
      const stage = (this.stages.get(job) ?? []).slice(-1)[0];
      const progress = this.server.progress.jobs.get(job);
      text = `$(sync~spin) ${runningText(stage, progress?.message)}`;
      const others = this.jobs.size > 1 ? `\n(${this.jobs.size - 1} more job(s) running)` : "";
      const folder = this.jobs.get(job)?.folder;
      const title = progress?.title ?? this.jobs.get(job)?.command ?? "";
      const message = progress?.message ? ` — ${progress.message}` : "";
      const where = folder ? `\n${path.basename(folder)}` : "";
      tooltip =
        `${title}${message}${where}${others}\n` +
        `Click the notification's Cancel, or run "AI Scientist: Cancel Running Job", to stop it.`;
    } else {
      text = "$(beaker) idle";
      tooltip = "No AI Scientist job is running.";
    }
    text += ` · ${usd(this.cost, this.costUnknown)}`;
    if (this.proposals > 0) {
      text += ` · $(diff) ${this.proposals}`;
      tooltip += `\n${this.proposals} proposed edit(s) waiting for review`;
    }
    this.item.text = text;
    this.item.tooltip = `${tooltip}\nCost so far: ${usd(this.cost, this.costUnknown)} (click for the cost ledger)`;
  }

  async provideTextDocumentContent(): Promise<string> {
    const cost = await this.server.query<CostInfo>("aisci.getCost", {});
    if (cost) {
      this.cost = cost.totalUsd;
      this.costUnknown = cost.unknown ?? false;
      this.render();
    }
    return ledgerMarkdown(cost);
  }

  async showLedger(): Promise<void> {
    this.ledgerChanged.fire(LEDGER_URI);
    const doc = await vscode.workspace.openTextDocument(LEDGER_URI);
    await vscode.languages.setTextDocumentLanguage(doc, "markdown");
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  dispose(): void {
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}
