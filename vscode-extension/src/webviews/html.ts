/**
 * Content Security Policies and HTML escaping for the extension's webviews.
 *
 * Contract: every webview page gets `default-src 'none'` and only what it needs:
 * - results: images from the idea folder (`img-src ${cspSource}`) and our stylesheet; no script;
 * - paper preview: one script with a per-load nonce, the pdf.js worker as a `blob:` URL made
 *   from the worker source the extension posts (`worker-src blob:`), canvases (no image
 *   fetch), PDF fonts through the FontFace API (`font-src data: blob:` for pdf.js's fallbacks).
 * No remote origin appears in any policy. Pure; `cspSource` comes from `webview.cspSource`.
 */

import * as crypto from "crypto";

export function nonce(): string {
  return crypto.randomBytes(16).toString("base64").replace(/[^A-Za-z0-9]/g, "");
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}

export function resultsCsp(cspSource: string): string {
  return [`default-src 'none'`, `img-src ${cspSource}`, `style-src ${cspSource}`].join("; ");
}

export function previewCsp(cspSource: string, scriptNonce: string): string {
  return [
    `default-src 'none'`,
    `script-src 'nonce-${scriptNonce}'`,
    `worker-src blob:`,
    `style-src ${cspSource}`,
    `img-src ${cspSource} data: blob:`,
    `font-src data: blob:`,
  ].join("; ");
}
