/**
 * The paper preview page (runs inside the webview; bundled with pdf.js into media/preview.js).
 *
 * Contract: waits for `worker` (the pdf.js worker source, started from a blob: URL) and
 * `pdf` (the PDF as base64, with `builtAt` and `stale`) messages; renders every page into a
 * canvas at the current zoom; on a new `pdf` it re-renders keeping the zoom and the page in view
 * (and its offset); `missing` shows the text given and a Build button; `status` shows a line
 * above the pages. The status line says which build is shown: its name, pages, the time it was
 * built and "older than the source" when a source changed since (`record` updates the last two,
 * mirrored in `body[data-built-at]` and `body[data-stale]`). `banner {text, file, line, link}`
 * shows a failed build's first error above, with a link that posts `openSource {file, line}`;
 * a `banner` without text hides it. Zoom, page
 * and the folder survive the panel being hidden or the window reloaded (vscode.setState).
 * After each render it posts `rendered {pages, width, height}` and counts it in
 * `body[data-renders]`. SyncTeX: a double-click or Ctrl/Cmd+click on a page posts
 * `synctexEdit {page, x, y}` (PDF points from the page's top left); `reveal {page, x, y, w,
 * h}` scrolls there and marks the box for a moment.
 */

import * as pdfjs from "pdfjs-dist/legacy/build/pdf.mjs";

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface ViewState {
  folder?: string;
  zoom: number | "fit";
  page: number;
  offset: number; // fraction of the page scrolled past its top
}

const vscode = acquireVsCodeApi();
const state: ViewState = {
  zoom: "fit",
  page: 1,
  offset: 0,
  ...((vscode.getState() as Partial<ViewState>) ?? {}),
};
const pagesEl = document.getElementById("pages") as HTMLDivElement;
const statusEl = document.getElementById("status") as HTMLDivElement;
const zoomLabel = document.getElementById("zoom-label") as HTMLSpanElement;
state.folder = statusEl.dataset.folder;
let renders = 0;
const pageLabel = document.getElementById("page-label") as HTMLSpanElement;

let resolveWorker: (() => void) | undefined;
const workerReady = new Promise<void>((r) => (resolveWorker = r));
let doc: pdfjs.PDFDocumentProxy | undefined;
let renderToken = 0;
let pageSizes: { top: number; height: number }[] = [];
const shown: { name: string; builtAt: number | null; stale: boolean } = {
  name: "",
  builtAt: null,
  stale: false,
};
const bannerEl = document.getElementById("banner") as HTMLDivElement;
const bannerText = document.getElementById("banner-text") as HTMLSpanElement;
const bannerLink = document.getElementById("banner-link") as HTMLAnchorElement;
let bannerTarget: { file: string; line: number | null } | undefined;

function setStatus(text: string, kind: "" | "error" | "hidden" = ""): void {
  statusEl.textContent = text;
  statusEl.className = kind;
}

/** Which build is shown, for the status line. */
function describe(): string {
  const pages = doc ? ` · ${doc.numPages} page${doc.numPages === 1 ? "" : "s"}` : "";
  const when =
    shown.builtAt === null ? "" : ` · built ${new Date(shown.builtAt * 1000).toLocaleTimeString()}`;
  document.body.dataset.builtAt = String(shown.builtAt ?? "");
  document.body.dataset.stale = String(shown.stale);
  return `${shown.name}${pages}${when}${shown.stale ? " · older than the source" : ""}`;
}

function showBanner(m: Record<string, unknown>): void {
  const text = typeof m.text === "string" ? m.text : "";
  bannerEl.hidden = !text;
  bannerText.textContent = text;
  bannerTarget =
    typeof m.file === "string"
      ? { file: m.file, line: typeof m.line === "number" ? m.line : null }
      : undefined;
  bannerLink.hidden = !bannerTarget;
  bannerLink.textContent = bannerTarget && typeof m.link === "string" ? m.link : "";
}

function save(): void {
  vscode.setState(state);
}

function currentScale(page: pdfjs.PDFPageProxy): number {
  if (state.zoom === "fit") {
    const width = page.getViewport({ scale: 1 }).width;
    return Math.max(0.25, (pagesEl.clientWidth - 32) / width);
  }
  return state.zoom;
}

function trackPage(): void {
  const y = pagesEl.scrollTop;
  for (let i = 0; i < pageSizes.length; i++) {
    const p = pageSizes[i];
    if (y < p.top + p.height || i === pageSizes.length - 1) {
      state.page = i + 1;
      state.offset = Math.min(1, Math.max(0, (y - p.top) / p.height));
      break;
    }
  }
  pageLabel.textContent = doc ? `page ${state.page} / ${doc.numPages}` : "";
  save();
}

async function render(): Promise<void> {
  if (!doc) {
    return;
  }
  const token = ++renderToken;
  const keep = { page: state.page, offset: state.offset };
  const fragment = document.createDocumentFragment();
  const sizes: { canvas: HTMLCanvasElement; height: number }[] = [];
  let first: { width: number; height: number } | undefined;
  for (let n = 1; n <= doc.numPages; n++) {
    const page = await doc.getPage(n);
    const viewport = page.getViewport({ scale: currentScale(page) });
    const ratio = window.devicePixelRatio || 1;
    const canvas = document.createElement("canvas");
    canvas.className = "page";
    canvas.dataset.page = String(n);
    canvas.dataset.scale = String(viewport.scale);
    canvas.width = Math.floor(viewport.width * ratio);
    canvas.height = Math.floor(viewport.height * ratio);
    canvas.style.width = `${Math.floor(viewport.width)}px`;
    canvas.style.height = `${Math.floor(viewport.height)}px`;
    const ctx = canvas.getContext("2d");
    if (!ctx) {
      throw new Error("no 2d canvas context");
    }
    await page.render({
      canvas,
      canvasContext: ctx,
      viewport,
      transform: ratio !== 1 ? [ratio, 0, 0, ratio, 0, 0] : undefined,
    }).promise;
    if (token !== renderToken) {
      return; // a newer render started
    }
    first ??= { width: canvas.width, height: canvas.height };
    fragment.appendChild(canvas);
    sizes.push({ canvas, height: viewport.height });
  }
  pagesEl.replaceChildren(fragment);
  // #pages is positioned (media/preview.css), so a canvas's offsetTop is its place in the scroll area.
  pageSizes = sizes.map((s) => ({ top: s.canvas.offsetTop, height: s.canvas.offsetHeight }));
  const target = pageSizes[Math.min(keep.page, pageSizes.length) - 1];
  if (target) {
    pagesEl.scrollTop = target.top + keep.offset * target.height;
  }
  state.page = keep.page;
  state.offset = keep.offset;
  zoomLabel.textContent = state.zoom === "fit" ? "fit" : `${Math.round(state.zoom * 100)}%`;
  trackPage();
  document.body.dataset.renders = String(++renders);
  vscode.postMessage({
    type: "rendered",
    pages: doc.numPages,
    width: first?.width ?? 0,
    height: first?.height ?? 0,
  });
}

async function load(data: Uint8Array, name: string): Promise<void> {
  await workerReady;
  try {
    const task = pdfjs.getDocument({ data, isEvalSupported: false, useSystemFonts: true });
    const next = await task.promise;
    const old = doc;
    doc = next;
    await render();
    await old?.destroy();
    shown.name = name;
    setStatus(describe());
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    setStatus(`Could not render ${name}: ${message}`, "error");
    vscode.postMessage({ type: "error", message });
  }
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    bytes[i] = binary.charCodeAt(i);
  }
  return bytes;
}

function startWorker(source: string): void {
  if (!resolveWorker) {
    return;
  }
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  pdfjs.GlobalWorkerOptions.workerPort = new Worker(url, { type: "module" });
  resolveWorker();
  resolveWorker = undefined;
}

function zoomBy(factor: number): void {
  const page = doc ? state.page : 1;
  void (async () => {
    let base = 1;
    if (state.zoom === "fit" && doc) {
      base = currentScale(await doc.getPage(page));
    } else if (state.zoom !== "fit") {
      base = state.zoom;
    }
    state.zoom = Math.min(4, Math.max(0.25, Math.round(base * factor * 100) / 100));
    save();
    await render();
  })();
}

window.addEventListener("message", (event: MessageEvent) => {
  const m = event.data as { type?: string; [k: string]: unknown };
  switch (m.type) {
    case "worker":
      startWorker(String(m.source));
      break;
    case "pdf":
      shown.builtAt = typeof m.builtAt === "number" ? m.builtAt : null;
      shown.stale = m.stale === true;
      setStatus("Rendering…");
      void load(fromBase64(String(m.base64)), String(m.name));
      break;
    case "missing": {
      doc = undefined;
      pagesEl.replaceChildren();
      const p = document.createElement("p");
      p.className = "missing";
      p.textContent = String(m.text);
      const button = document.createElement("button");
      button.textContent = "Build Paper";
      button.addEventListener("click", () => vscode.postMessage({ type: "build" }));
      pagesEl.append(p, button);
      setStatus("No PDF yet", "error");
      break;
    }
    case "status":
      setStatus(String(m.text), m.error ? "error" : "");
      break;
    case "record":
      shown.builtAt = typeof m.builtAt === "number" ? m.builtAt : shown.builtAt;
      shown.stale = m.stale === true;
      if (doc) {
        setStatus(describe());
      }
      break;
    case "banner":
      showBanner(m);
      break;
    case "reveal":
      reveal(Number(m.page), Number(m.x), Number(m.y), Number(m.w), Number(m.h));
      break;
  }
});

/** SyncTeX forward: scroll to the box on `page` and mark it. */
function reveal(page: number, x: number, y: number, w: number, h: number): void {
  const canvas = pagesEl.querySelector<HTMLCanvasElement>(`canvas.page[data-page="${page}"]`);
  if (!canvas) {
    return;
  }
  const scale = Number(canvas.dataset.scale) || 1;
  const top = canvas.offsetTop + y * scale;
  pagesEl.scrollTop = Math.max(0, top - pagesEl.clientHeight / 3);
  pagesEl.querySelector(".synctex-mark")?.remove();
  const mark = document.createElement("div");
  mark.className = "synctex-mark";
  mark.style.left = `${canvas.offsetLeft + x * scale}px`;
  mark.style.top = `${top}px`;
  mark.style.width = `${Math.max(8, w * scale)}px`;
  mark.style.height = `${Math.max(8, h * scale)}px`;
  pagesEl.appendChild(mark);
  window.setTimeout(() => mark.classList.add("fading"), 1500);
}

/** SyncTeX inverse: where on which page a click was, in PDF points. */
function synctexClick(event: MouseEvent): void {
  const canvas = (event.target as HTMLElement).closest<HTMLCanvasElement>("canvas.page");
  if (!canvas) {
    return;
  }
  const box = canvas.getBoundingClientRect();
  const scale = Number(canvas.dataset.scale) || 1;
  vscode.postMessage({
    type: "synctexEdit",
    page: Number(canvas.dataset.page),
    x: (event.clientX - box.left) / scale,
    y: (event.clientY - box.top) / scale,
  });
}

pagesEl.addEventListener("dblclick", synctexClick);
pagesEl.addEventListener("click", (event) => {
  if (event.ctrlKey || event.metaKey) {
    synctexClick(event);
  }
});

document.getElementById("zoom-in")?.addEventListener("click", () => zoomBy(1.2));
document.getElementById("zoom-out")?.addEventListener("click", () => zoomBy(1 / 1.2));
document.getElementById("fit")?.addEventListener("click", () => {
  state.zoom = "fit";
  save();
  void render();
});
bannerLink.addEventListener("click", (event) => {
  event.preventDefault();
  if (bannerTarget) {
    vscode.postMessage({ type: "openSource", ...bannerTarget });
  }
});
document
  .getElementById("draft-next")
  ?.addEventListener("click", () => vscode.postMessage({ type: "draftNext" }));
document
  .getElementById("build")
  ?.addEventListener("click", () => vscode.postMessage({ type: "build" }));
document
  .getElementById("open-tex")
  ?.addEventListener("click", () => vscode.postMessage({ type: "openTex" }));
pagesEl.addEventListener("scroll", () => trackPage(), { passive: true });
let resizeTimer: number | undefined;
window.addEventListener("resize", () => {
  if (state.zoom !== "fit") {
    return;
  }
  window.clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => void render(), 200);
});

vscode.postMessage({ type: "ready" });
