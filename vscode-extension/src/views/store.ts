/**
 * What the views show, read from the server's query commands (docs/lsp.md §2, queries).
 *
 * Contract: `refresh()` asks `aisci.listTemplates` and `aisci.listPapers` at once, then per
 * template `aisci.listIdeas` and `aisci.listRuns` (the folder list, then each folder), all
 * templates side by side (the server answers queries in parallel threads); it fires `onDidChange`
 * once with the new snapshot, and `onDidLoad` the time the load took. `scheduleRefresh()` coalesces
 * the bursts of notifications a running stage sends (one refresh per 300 ms). The context key
 * `aiScientist.noTemplates` is true once a listing came back empty (the welcome view). A folder
 * shows as running only while the job holding it has started and not finished.
 */

import * as vscode from "vscode";
import type { FolderRuns, IdeasResult, PaperInfo, TemplateInfo } from "../protocol";
import type { ServerManager } from "../server";

export interface Snapshot {
  templates: TemplateInfo[];
  ideas: { template: TemplateInfo; ideas: IdeasResult }[];
  runs: { template: TemplateInfo; folders: FolderRuns[] }[];
  papers: PaperInfo[];
  /** false until the first listing came back. */
  loaded: boolean;
}

const EMPTY: Snapshot = { templates: [], ideas: [], runs: [], papers: [], loaded: false };

export class Store implements vscode.Disposable {
  private snapshot: Snapshot = EMPTY;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private readonly changed = new vscode.EventEmitter<Snapshot>();
  readonly onDidChange = this.changed.event;
  private readonly loaded = new vscode.EventEmitter<number>();
  /** Fires the milliseconds a load took, after its snapshot. */
  readonly onDidLoad = this.loaded.event;

  /** Jobs of this server that have started and not finished (aisci/jobStarted, jobFinished). */
  private readonly active = new Set<string>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly server: ServerManager) {
    this.subscription = server.onNotification((n) => {
      const job = (n.params as { job?: string } | undefined)?.job;
      if (n.method === "aisci/jobStarted" && job) {
        this.active.add(job);
      } else if (n.method === "aisci/jobFinished" && job) {
        this.active.delete(job);
      }
    });
  }

  get current(): Snapshot {
    return this.snapshot;
  }

  scheduleRefresh(delayMs = 300): void {
    if (this.timer) {
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, delayMs);
  }

  /** One refresh at a time; a request during one runs another right after. */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.load()
      .catch(() => undefined)
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          void this.refresh();
        }
      });
    return this.running;
  }

  private async load(): Promise<void> {
    const started = Date.now();
    const papersAsked = this.server.query<{ papers: PaperInfo[] }>("aisci.listPapers", {});
    const listed = await this.server.query<{ templates: TemplateInfo[] }>(
      "aisci.listTemplates",
      {},
    );
    if (!listed) {
      return;
    }
    const templates = listed.templates ?? [];
    const perTemplate = await Promise.all(
      templates.map(async (template) => {
        const [i, folders] = await Promise.all([
          this.server.query<IdeasResult>("aisci.listIdeas", { template: template.path }),
          this.foldersOf(template),
        ]);
        return { template, ideas: i, folders };
      }),
    );
    const ideas: Snapshot["ideas"] = [];
    const runs: Snapshot["runs"] = [];
    for (const { template, ideas: i, folders } of perTemplate) {
      if (i) {
        ideas.push({ template, ideas: i });
      }
      runs.push({ template, folders });
    }
    const papers = (await papersAsked)?.papers ?? [];
    this.snapshot = { templates, ideas, runs, papers, loaded: true };
    void vscode.commands.executeCommand(
      "setContext",
      "aiScientist.noTemplates",
      templates.length === 0,
    );
    void vscode.commands.executeCommand("setContext", "aiScientist.loaded", true);
    this.changed.fire(this.snapshot);
    this.loaded.fire(Date.now() - started);
  }

  private async foldersOf(template: TemplateInfo): Promise<FolderRuns[]> {
    const r = await this.server.query<{ folders: (FolderRuns | string)[] }>("aisci.listRuns", {
      template: template.path,
    });
    const listed = await Promise.all(
      (r?.folders ?? []).map(async (f) => {
        // docs/lsp.md: "the F form of each folder"; a bare path is asked for separately.
        if (typeof f === "string") {
          return this.server.query<FolderRuns>("aisci.listRuns", { folder: f });
        }
        return f && typeof f === "object" && Array.isArray(f.runs) ? f : undefined;
      }),
    );
    const folders = listed.filter((f): f is FolderRuns => f !== undefined);
    // A listing taken while a job was ending can still name it as the folder's holder.
    for (const f of folders) {
      if (f.running && !this.active.has(f.running)) {
        f.running = null;
      }
    }
    return folders;
  }

  dispose(): void {
    if (this.timer) {
      clearTimeout(this.timer);
    }
    this.changed.dispose();
    this.loaded.dispose();
    this.subscription.dispose();
  }
}
