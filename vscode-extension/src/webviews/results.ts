/**
 * The results webview of one idea (or baseline) folder: every run's means against the
 * baseline, and the folder's figures.
 *
 * Contract: `ResultsPanels.show(folder)` opens (or reveals) one panel per folder, built from
 * `aisci.listRuns {folder}` and the PNG/JPEG/SVG files in the folder; it re-renders when a
 * notification names that folder (runFinished, stageChanged). The page is static HTML (no
 * script): a table with one row per metric, the baseline column (run_0) and one column per
 * run with its change against the baseline, coloured better or worse only for the metric the
 * template declares, by its direction (neutral elsewhere: views/meaning.ts); a declared
 * sentinel's stand-in shows as "not reached", never as a number; then each run's description
 * or failure; then the figures. Its only script records the folder, so the panel is restored after a reload
 * (`deserializeWebviewPanel`, registered in extension.ts). CSP: html.ts `resultsCsp`.
 */

import * as path from "path";
import * as vscode from "vscode";
import type { FolderRuns, SearchMetric } from "../protocol";
import type { Notification, ServerManager } from "../server";
import { declaredKey, measured, notReachedOf, verdict } from "../views/meaning";
import { flattenMeans, formatDuration, formatNumber } from "../views/treeModel";
import { escapeHtml, nonce, resultsCsp, scriptJson } from "./html";

const FIGURE = /\.(png|jpe?g|svg)$/i;

type Declared = Pick<SearchMetric, "name" | "dataset" | "direction"> | null;

/** What the colours say, under the table. */
export function legend(metric: Declared): string {
  return metric
    ? `<p class="legend">Changes of ${escapeHtml(metric.name)} are coloured <span class="delta better">better</span> or <span class="delta worse">worse</span> (${metric.direction === "max" ? "higher" : "lower"} is better, as the template declares); other metrics are not judged.</p>`
    : '<p class="legend">The template declares no metric (aisci.json "metric"), so no change is judged better or worse.</p>';
}

/** The change's cell: coloured better/worse only for the declared metric (views/meaning.ts). */
export function deltaHtml(value: number, base: number, key: string, metric: Declared): string {
  const pct = ((value - base) / Math.abs(base)) * 100;
  const cls = verdict(pct, key, metric);
  const sign = pct > 0 ? "+" : pct < 0 ? "−" : "±";
  return `<span class="delta${cls ? ` ${cls}` : ""}">${sign}${Math.abs(pct).toFixed(1)}%</span>`;
}

export function resultsTable(runs: FolderRuns["runs"], metric: Declared = null): string {
  const baseRun = runs.find((r) => r.run === "run_0");
  const base = baseRun ? measured(baseRun) : {};
  const cols = runs.map((r) => ({
    run: r,
    means: flattenMeans(r.means),
    notReached: notReachedOf(r),
  }));
  const metrics = [...new Set(cols.flatMap((c) => Object.keys(c.means)))];
  if (!metrics.length) {
    return "<p>No finished run yet.</p>";
  }
  const head = cols
    .map((c) => `<th>${escapeHtml(c.run.run === "run_0" ? "baseline (run_0)" : c.run.run)}</th>`)
    .join("");
  const body = metrics
    .map((m) => {
      const cells = cols
        .map((c) => {
          const v = c.means[m];
          if (v === undefined) {
            return `<td class="none">${c.run.status === "failed" ? "failed" : "–"}</td>`;
          }
          const why = c.notReached[m];
          if (why !== undefined) {
            // A declared stand-in (aisci.json "sentinels"): not a result, so no number and no change.
            return `<td class="none notreached" title="${escapeHtml(`${formatNumber(v)} stands for: ${why}`)}">not reached</td>`;
          }
          const b = base[m];
          if (c.run.run === "run_0" || b === undefined || b === 0) {
            return `<td>${formatNumber(v)}</td>`;
          }
          return `<td>${formatNumber(v)} ${deltaHtml(v, b, m, metric)}</td>`;
        })
        .join("");
      const label =
        m === declaredKey(metric, [m])
          ? `${m} (${metric?.direction === "max" ? "higher" : "lower"} is better)`
          : m;
      return `<tr><th scope="row">${escapeHtml(label)}</th>${cells}</tr>`;
    })
    .join("\n");
  const durations = cols
    .map((c) => `<td>${escapeHtml(formatDuration(c.run.durationS)) || "–"}</td>`)
    .join("");
  return `<table><thead><tr><th>metric</th>${head}</tr></thead><tbody>${body}<tr class="dur"><th scope="row">duration</th>${durations}</tr></tbody></table>`;
}

export function runList(runs: FolderRuns["runs"]): string {
  return (
    '<ul class="runs">' +
    runs
      .map((r) => {
        const what =
          r.status === "failed"
            ? `<span class="failed">failed</span>: ${escapeHtml(r.error ?? "")}`
            : escapeHtml(r.description ?? "");
        return `<li><b>${escapeHtml(r.run)}</b> ${what}</li>`;
      })
      .join("") +
    "</ul>"
  );
}

export class ResultsPanels
  implements vscode.Disposable, vscode.WebviewPanelSerializer<{ folder?: string }>
{
  private readonly panels = new Map<string, vscode.WebviewPanel>();
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly server: ServerManager,
    private readonly extensionUri: vscode.Uri,
  ) {
    this.subscription = server.onNotification((n) => this.onNotification(n));
  }

  private onNotification(n: Notification): void {
    const folder = (n.params as { folder?: string } | undefined)?.folder;
    if (
      folder &&
      this.panels.has(folder) &&
      (n.method === "aisci/runFinished" || n.method === "aisci/stageChanged")
    ) {
      void this.render(folder);
    }
  }

  private options(folder: string): vscode.WebviewOptions {
    return {
      enableScripts: true,
      localResourceRoots: [
        vscode.Uri.file(folder),
        vscode.Uri.joinPath(this.extensionUri, "media"),
      ],
    };
  }

  private adopt(panel: vscode.WebviewPanel, folder: string): void {
    this.panels.set(folder, panel);
    panel.onDidDispose(() => this.panels.delete(folder));
  }

  async show(folder: string): Promise<void> {
    let panel = this.panels.get(folder);
    if (panel) {
      panel.reveal();
    } else {
      panel = vscode.window.createWebviewPanel(
        "aiScientist.results",
        `Results: ${path.basename(folder)}`,
        vscode.ViewColumn.Active,
        this.options(folder),
      );
      this.adopt(panel, folder);
    }
    await this.render(folder);
  }

  /** A results panel open before a reload. */
  async deserializeWebviewPanel(
    panel: vscode.WebviewPanel,
    state: { folder?: string } | undefined,
  ): Promise<void> {
    const folder = state?.folder;
    if (!folder || this.panels.has(folder)) {
      panel.dispose();
      return;
    }
    panel.webview.options = this.options(folder);
    this.adopt(panel, folder);
    await this.server.start({ quiet: true });
    await this.render(folder);
  }

  private async render(folder: string): Promise<void> {
    const panel = this.panels.get(folder);
    if (!panel) {
      return;
    }
    const data = await this.server.query<FolderRuns>("aisci.listRuns", { folder });
    let figures: string[];
    try {
      const entries = await vscode.workspace.fs.readDirectory(vscode.Uri.file(folder));
      figures = entries
        .filter(([name, type]) => type === vscode.FileType.File && FIGURE.test(name))
        .map(([name]) => name)
        .sort();
    } catch {
      figures = [];
    }
    const webview = panel.webview;
    const css = webview.asWebviewUri(
      vscode.Uri.joinPath(this.extensionUri, "media", "results.css"),
    );
    const title = data?.idea ?? path.basename(folder);
    const figureHtml = figures
      .map((f) => {
        const src = webview.asWebviewUri(vscode.Uri.file(path.join(folder, f)));
        // A cache-busting query so a replotted figure shows its new pixels.
        return `<figure><img src="${src.toString()}?v=${Date.now()}" alt="${escapeHtml(f)}"><figcaption>${escapeHtml(f)}</figcaption></figure>`;
      })
      .join("\n");
    const n = nonce();
    webview.html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${resultsCsp(webview.cspSource, n)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${css.toString()}">
<title>Results</title></head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="folder">${escapeHtml(folder)}${data?.running ? ` — <b>running</b> (${escapeHtml(data.running)})` : ""}</p>
${data ? resultsTable(data.runs, data.metric ?? null) + legend(data.metric ?? null) + runList(data.runs) : "<p>The server did not answer aisci.listRuns for this folder (see AI Scientist: Show Logs).</p>"}
<h2>Figures</h2>
${figureHtml || "<p>No figure yet: run AI Scientist: Make Plots.</p>"}
<script nonce="${n}">acquireVsCodeApi().setState(${scriptJson({ folder })});</script>
</body></html>`;
  }

  dispose(): void {
    this.subscription.dispose();
    for (const p of this.panels.values()) {
      p.dispose();
    }
  }
}
