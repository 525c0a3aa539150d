/**
 * The status bar item (current stage and cost so far), the running jobs, and the cost ledger.
 *
 * Contract: `Status` follows `aisci/jobStarted` / `aisci/jobFinished` (the jobs the Cancel
 * command offers), `aisci/stageChanged` (the stage shown) and `aisci/costUpdated` (the cost
 * shown); clicking the item runs "AI Scientist: Show Cost Ledger", which opens a read-only
 * Markdown document built from `aisci.getCost` (scheme `aisci-ledger`). Pending proposals are
 * counted in the item too, so a dismissed review is not forgotten.
 */

import * as path from "path";
import * as vscode from "vscode";
import type { CostInfo, CostUpdated, JobFinished, JobStarted, StageChanged } from "./protocol";
import type { Notification, ServerManager } from "./server";

export const LEDGER_URI = vscode.Uri.from({ scheme: "aisci-ledger", path: "/AI Scientist cost ledger.md" });

export function usd(x: number | null | undefined): string {
  if (x === null || x === undefined) {
    return "–";
  }
  return x < 0.01 && x > 0 ? `$${x.toFixed(4)}` : `$${x.toFixed(2)}`;
}

export function ledgerMarkdown(cost: CostInfo | undefined): string {
  if (!cost) {
    return "# AI Scientist cost ledger\n\nThe server is not running, so the ledger cannot be read.\n";
  }
  const lines = ["# AI Scientist cost ledger", "", `Total so far: **${usd(cost.totalUsd)}**`];
  if (cost.maxCostUsd !== undefined && cost.maxCostUsd !== null) {
    lines.push(`Cap (aiScientist.maxCost): ${usd(cost.maxCostUsd)}`);
  }
  if (cost.tokensIn !== undefined || cost.tokensOut !== undefined) {
    lines.push(`Tokens: ${cost.tokensIn ?? 0} in, ${cost.tokensOut ?? 0} out`);
  }
  const stages = Object.entries(cost.byStage ?? {});
  lines.push("", "## By stage", "");
  if (stages.length) {
    lines.push("| stage | cost |", "|---|---:|", ...stages.map(([s, c]) => `| ${s} | ${usd(c)} |`));
  } else {
    lines.push("No model call yet (the sweep scientist costs nothing).");
  }
  const ledgers = cost.ledgers ?? [];
  if (ledgers.length) {
    lines.push("", "## Ledgers under results/", "", "| file | cost |", "|---|---:|", ...ledgers.map((l) => `| ${l.path} | ${usd(l.totalUsd)} |`));
  }
  return lines.join("\n") + "\n";
}

export class Status implements vscode.Disposable, vscode.TextDocumentContentProvider {
  private readonly item = vscode.window.createStatusBarItem("aiScientist.status", vscode.StatusBarAlignment.Left, 50);
  readonly jobs = new Map<string, JobStarted>();
  private stage: StageChanged | undefined;
  private cost = 0;
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
        break;
      }
      case "aisci/jobFinished": {
        const p = n.params as JobFinished;
        this.jobs.delete(p.job);
        if (this.jobs.size === 0) {
          this.stage = undefined;
        }
        break;
      }
      case "aisci/stageChanged":
        this.stage = n.params as StageChanged;
        break;
      case "aisci/costUpdated": {
        const p = n.params as CostUpdated;
        this.cost = typeof p.sessionTotalUsd === "number" ? p.sessionTotalUsd : p.totalUsd;
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
    } else if (this.stage && this.jobs.size > 0) {
      const s = this.stage;
      const icon = s.state === "failed" ? "$(error)" : s.state === "finished" ? "$(check)" : "$(sync~spin)";
      text = `${icon} ${s.stage}`;
      tooltip = `${s.stage}: ${s.state}${s.message ? ` — ${s.message}` : ""}${s.folder ? `\n${path.basename(s.folder)}` : ""}`;
    } else {
      text = "$(beaker) idle";
      tooltip = "No AI Scientist job is running.";
    }
    text += ` · ${usd(this.cost)}`;
    if (this.proposals > 0) {
      text += ` · $(diff) ${this.proposals}`;
      tooltip += `\n${this.proposals} proposed edit(s) waiting for review`;
    }
    this.item.text = text;
    this.item.tooltip = `${tooltip}\nCost so far: ${usd(this.cost)} (click for the cost ledger)`;
  }

  async provideTextDocumentContent(): Promise<string> {
    const cost = await this.server.query<CostInfo>("aisci.getCost", {});
    if (cost) {
      this.cost = cost.totalUsd;
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
