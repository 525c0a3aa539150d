/**
 * The paper preview: one webview per idea folder rendering its PDF with the bundled pdf.js.
 *
 * Contract:
 * - `PreviewPanels.show(folder, pdf?)` opens (or reveals) the folder's preview. The PDF is
 *   read with `vscode.workspace.fs` and posted to the page as base64 text (no file URL, so nothing
 *   depends on how a host serves local resources); the pdf.js worker source is posted too and
 *   started from a `blob:` URL (CSP: html.ts `previewCsp`; no remote content).
 * - One PDF of record (server/aisci/lsp/pdf_record.py): the preview, SyncTeX, Open Paper
 *   Preview and the Papers view show the PDF the server names (`aisci.listPapers`, the
 *   notification), the newest successful build; the page says when it was built and "older
 *   than the source" when a source changed since.
 * - `aisci/previewReady` for the folder re-posts the new PDF; the page keeps its page and zoom.
 *   A failed build keeps the PDF of record and shows a banner naming its first error, with a
 *   link to its line (the Problems panel has them all). TeX programs missing from the server's
 *   PATH (named once per server session by the server) give one warning with "Install TeX…",
 *   which opens a terminal with the install command typed, not run.
 * - No PDF yet: the page says so and which build to run (AI Scientist: Build Paper), with a
 *   button for it.
 * - The page's buttons post `draftNext`, `build`, `openTex`, which run the extension's commands
 *   for this folder. The page answers `rendered {pages, width, height}` after each render
 *   (logged; the end-to-end test reads the canvas itself).
 * - SyncTeX both ways (synctex.ts): a double-click (or Ctrl/Cmd+click) in the page posts
 *   `synctexEdit {page, x, y}` (PDF points from the page's top left) and the source line opens
 *   beside; `revealSource(editor)` ("AI Scientist: Show in Paper Preview", Ctrl+Alt+J in a
 *   .tex) opens the preview if needed and posts `reveal {page, x, y, w, h}`: the page scrolls
 *   there and marks the spot.
 * - A preview open before a reload comes back (`deserializeWebviewPanel`: the page keeps its
 *   folder, zoom and position in its state).
 */

import * as path from "path";
import * as vscode from "vscode";
import type { Logs } from "../logs";
import type { PaperInfo, PreviewReady } from "../protocol";
import { type Banner, bannerOf, tellMissingTex } from "./buildNotice";
import type { Notification, ServerManager } from "../server";
import { escapeHtml, nonce, previewCsp } from "./html";
import { latexDirOf, synctexEdit, synctexView } from "../synctex";

export async function exists(file: string): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(vscode.Uri.file(file));
    return true;
  } catch {
    return false;
  }
}

/** The folder's PDF of record and when it was built, as the server says (`aisci.listPapers`).
 * A folder the server does not list is a loose document's (its own latexmk output is its record
 * while its last build worked, and the notification says when not); with no answer, `given` or
 * `<idea>.pdf`. */
export async function findPdf(
  folder: string,
  given: string | null | undefined,
  server: ServerManager,
): Promise<Shown> {
  const papers = await server.query<{ papers: PaperInfo[] }>("aisci.listPapers", {});
  const listed = papers?.papers.find((p) => p.folder === folder);
  if (listed) {
    return listed.pdf && (await exists(listed.pdf))
      ? { pdf: listed.pdf, builtAt: listed.pdfBuiltAt, stale: listed.pdfStale }
      : { pdf: undefined, builtAt: null, stale: false };
  }
  const idea = path.basename(folder).replace(/^\d{8}_\d{6}_/, "");
  const own = papers
    ? path.join(folder, "latex", "template.pdf")
    : path.join(folder, `${idea}.pdf`);
  for (const c of [given, own]) {
    if (c && (await exists(c))) {
      return { pdf: c, builtAt: null, stale: false };
    }
  }
  return { pdf: undefined, builtAt: null, stale: false };
}

/** The PDF a preview shows: the PDF of record, its build time, whether a source is newer. */
interface Shown {
  pdf: string | undefined;
  builtAt: number | null;
  stale: boolean;
}

/** A message of the preview page's script (src/webview-scripts/preview.ts); fields are checked where read. */
interface WebviewMessage {
  type?: string;
  [k: string]: unknown;
}

interface Preview extends Shown {
  panel: vscode.WebviewPanel;
  folder: string;
  /** The build time of the PDF last posted to the page. */
  posted?: number | null;
  ready: boolean;
  rendered?: boolean;
  /** Run once after the next render (a reveal asked for before the PDF was drawn). */
  afterRender?: () => void;
}

export class PreviewPanels
  implements vscode.Disposable, vscode.WebviewPanelSerializer<{ folder?: string }>
{
  private readonly previews = new Map<string, Preview>();
  private readonly subscription: vscode.Disposable;
  private workerSource: string | undefined;

  constructor(
    private readonly server: ServerManager,
    private readonly extensionUri: vscode.Uri,
    private readonly logs: Logs,
  ) {
    this.subscription = server.onNotification((n) => this.onNotification(n));
  }

  private onNotification(n: Notification): void {
    if (n.method !== "aisci/previewReady") {
      return;
    }
    const p = n.params as PreviewReady;
    if (p.missing.length) {
      void tellMissingTex(p.missing, p.install);
    }
    const preview = this.previews.get(p.folder);
    if (!preview) {
      return;
    }
    this.logs.info(
      `preview of ${path.basename(p.folder)}: built (latexmk ${p.durationS ?? "?"} s), ${p.ok ? "posting the PDF" : "failed"}`,
    );
    // A loose document's failed build leaves no PDF of record: the page keeps what it drew.
    const shown =
      p.ok || p.pdf
        ? { pdf: p.pdf ?? undefined, builtAt: p.builtAt, stale: p.stale }
        : { pdf: preview.pdf, builtAt: preview.builtAt, stale: true };
    void this.showBuild(preview, shown, p.ok ? undefined : bannerOf(p));
  }

  /** Post the PDF of record when it is another build than the page shows, and the banner. */
  private async showBuild(preview: Preview, shown: Shown, banner?: Banner): Promise<void> {
    const another = shown.pdf !== preview.pdf || shown.builtAt !== preview.posted;
    Object.assign(preview, shown);
    if (!preview.ready) {
      return;
    }
    await preview.panel.webview.postMessage({ type: "banner", ...(banner ?? {}) });
    if (another || !preview.rendered) {
      await this.postPdf(preview);
    } else {
      await preview.panel.webview.postMessage({
        type: "record",
        builtAt: preview.builtAt,
        stale: preview.stale,
      });
    }
  }

  private adopt(panel: vscode.WebviewPanel, folder: string): Preview {
    const p: Preview = { panel, folder, pdf: undefined, builtAt: null, stale: false, ready: false };
    this.previews.set(folder, p);
    panel.onDidDispose(() => this.previews.delete(folder));
    panel.webview.onDidReceiveMessage((m: WebviewMessage) => this.onMessage(p, m));
    panel.webview.html = this.html(panel.webview, folder);
    return p;
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, "media")],
    };
  }

  async show(folder: string, pdf?: string | null): Promise<Preview> {
    let preview = this.previews.get(folder);
    if (preview) {
      preview.panel.reveal(undefined, true);
    } else {
      const panel = vscode.window.createWebviewPanel(
        "aiScientist.preview",
        `Paper: ${path.basename(folder).replace(/^\d{8}_\d{6}_/, "")}`,
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        this.options(),
      );
      preview = this.adopt(panel, folder);
    }
    const found = await findPdf(folder, pdf, this.server);
    // The same build already drawn stays as it is (its page, zoom, a SyncTeX mark); another or
    // a gone one is posted (aisci/previewReady posts rebuilds).
    const same =
      preview.rendered &&
      found.pdf !== undefined &&
      found.pdf === preview.pdf &&
      (found.builtAt === null || found.builtAt === preview.posted);
    if (!same) {
      Object.assign(preview, found); // (the same PDF keeps the build time the server gave)
    }
    if (preview.ready && !same) {
      await this.postPdf(preview);
    }
    return preview;
  }

  /** A preview open before a reload. */
  async deserializeWebviewPanel(
    panel: vscode.WebviewPanel,
    state: { folder?: string } | undefined,
  ): Promise<void> {
    const folder = state?.folder;
    if (!folder || this.previews.has(folder)) {
      panel.dispose();
      return;
    }
    panel.webview.options = this.options();
    const preview = this.adopt(panel, folder);
    await this.server.start({ quiet: true });
    Object.assign(preview, await findPdf(folder, undefined, this.server));
    if (preview.ready) {
      await this.postPdf(preview);
    }
  }

  /** SyncTeX forward: the editor's line in the folder's preview. */
  async revealSource(editor: vscode.TextEditor | undefined): Promise<void> {
    const tex = editor?.document.uri.scheme === "file" ? editor.document.uri.fsPath : undefined;
    if (!editor || !tex || !tex.endsWith(".tex")) {
      void vscode.window.showInformationMessage(
        "Open a .tex file of a paper to show its position in the preview.",
      );
      return;
    }
    if (editor.document.isDirty) {
      await editor.document.save();
    }
    const latex = latexDirOf(tex);
    const folder = path.dirname(latex);
    const position = editor.selection.active;
    // The place in the PDF the preview shows (the PDF of record, with its SyncTeX record
    // beside it), never in latexmk's working output, which a failed build rewrites.
    const preview = await this.show(folder);
    const found = preview.pdf
      ? await synctexView(preview.pdf, tex, position.line + 1, position.character + 1)
      : { error: "the paper has no PDF yet (save it, or run AI Scientist: Build Paper)" };
    if ("error" in found) {
      void vscode.window.showWarningMessage(
        `SyncTeX found no place for line ${position.line + 1} of ${path.basename(tex)}: ${found.error}`,
      );
      return;
    }
    const post = () => void preview.panel.webview.postMessage({ type: "reveal", ...found });
    if (preview.ready && preview.rendered) {
      post();
    } else {
      preview.afterRender = post;
    }
  }

  private async onMessage(preview: Preview, m: WebviewMessage): Promise<void> {
    switch (m.type) {
      case "ready":
        preview.ready = true;
        await this.postWorker(preview);
        await this.postPdf(preview);
        break;
      case "draftNext":
        await vscode.commands.executeCommand("aiScientist.draftNextSection", {
          folder: preview.folder,
        });
        break;
      case "build":
        await vscode.commands.executeCommand("aiScientist.buildPaper", { folder: preview.folder });
        break;
      case "openSource": {
        const line = Math.max(0, Number(m.line ?? 1) - 1);
        await vscode.window.showTextDocument(vscode.Uri.file(String(m.file)), {
          viewColumn: vscode.ViewColumn.One,
          selection: new vscode.Range(line, 0, line, 0),
        });
        break;
      }
      case "openTex": {
        const tex = vscode.Uri.file(path.join(preview.folder, "latex", "template.tex"));
        await vscode.window.showTextDocument(tex, { viewColumn: vscode.ViewColumn.One });
        break;
      }
      case "rendered": {
        this.logs.info(
          `preview of ${path.basename(preview.folder)}: ${Number(m.pages)} page(s) rendered at ${Number(m.width)}x${Number(m.height)}`,
        );
        preview.rendered = true;
        const after = preview.afterRender;
        preview.afterRender = undefined;
        after?.();
        break;
      }
      case "synctexEdit": {
        const found = preview.pdf
          ? await synctexEdit(preview.pdf, Number(m.page), Number(m.x), Number(m.y))
          : { error: "no PDF is shown" };
        if ("error" in found) {
          void vscode.window.showWarningMessage(
            `SyncTeX found no source for that spot of page ${Number(m.page)}: ${found.error}`,
          );
          break;
        }
        const line = Math.max(0, found.line - 1);
        const editor = await vscode.window.showTextDocument(vscode.Uri.file(found.file), {
          viewColumn: vscode.ViewColumn.One,
          selection: new vscode.Range(
            line,
            Math.max(0, found.column),
            line,
            Math.max(0, found.column),
          ),
        });
        editor.revealRange(
          new vscode.Range(line, 0, line, 0),
          vscode.TextEditorRevealType.InCenterIfOutsideViewport,
        );
        this.logs.info(
          `SyncTeX: page ${Number(m.page)} (${Number(m.x).toFixed(0)}, ${Number(m.y).toFixed(0)}) is ${path.basename(found.file)}:${found.line}`,
        );
        break;
      }
      case "error":
        this.logs.info(`preview of ${path.basename(preview.folder)}: ${String(m.message)}`);
        break;
    }
  }

  private async postWorker(preview: Preview): Promise<void> {
    if (this.workerSource === undefined) {
      const uri = vscode.Uri.joinPath(this.extensionUri, "media", "pdf.worker.mjs");
      this.workerSource = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    }
    await preview.panel.webview.postMessage({ type: "worker", source: this.workerSource });
  }

  private async postPdf(preview: Preview): Promise<void> {
    if (!preview.ready) {
      return;
    }
    if (!preview.pdf || !(await exists(preview.pdf))) {
      preview.rendered = false;
      const idea = path.basename(preview.folder).replace(/^\d{8}_\d{6}_/, "");
      await preview.panel.webview.postMessage({
        type: "missing",
        text:
          `No PDF for ${idea} yet. Build it with "AI Scientist: Build Paper" (latexmk in ` +
          `${vscode.workspace.asRelativePath(path.join(preview.folder, "latex"))}), or draft it first with "AI Scientist: Draft Paper".`,
      });
      return;
    }
    const bytes = await vscode.workspace.fs.readFile(vscode.Uri.file(preview.pdf));
    preview.posted = preview.builtAt;
    // Base64 text, not the bytes: typed arrays do not survive every host's message passing
    // (code-server's remote extension host turns them into plain objects).
    await preview.panel.webview.postMessage({
      type: "pdf",
      name: path.basename(preview.pdf),
      base64: Buffer.from(bytes).toString("base64"),
      builtAt: preview.builtAt,
      stale: preview.stale,
    });
  }

  private html(webview: vscode.Webview, folder: string): string {
    const n = nonce();
    const media = (f: string) =>
      webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, "media", f));
    return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${previewCsp(webview.cspSource, n)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${media("preview.css").toString()}">
<title>Paper preview</title></head>
<body>
<div id="toolbar">
  <button id="zoom-out" title="Zoom out">−</button>
  <span id="zoom-label">100%</span>
  <button id="zoom-in" title="Zoom in">+</button>
  <button id="fit" title="Fit width">Fit</button>
  <span id="page-label"></span>
  <span class="spacer"></span>
  <button id="draft-next" title="Draft the next section of this paper, then build it">Draft next section</button>
  <button id="build" title="Build the PDF (latexmk)">Build</button>
  <button id="open-tex" title="Open latex/template.tex">Open .tex</button>
</div>
<div id="banner" hidden><span id="banner-text"></span> <a id="banner-link" href="#"></a></div>
<div id="status" data-folder="${escapeHtml(folder)}" title="Double-click (or Ctrl+click) in the page to open its source line">Loading…</div>
<div id="pages"></div>
<script nonce="${n}" src="${media("preview.js").toString()}"></script>
</body></html>`;
  }

  dispose(): void {
    this.subscription.dispose();
    for (const p of this.previews.values()) {
      p.panel.dispose();
    }
  }
}
