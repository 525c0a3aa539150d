/**
 * Content Security Policies and HTML escaping for the extension's webviews.
 *
 * Contract: every webview page gets `default-src 'none'` and only what it needs:
 * - results: images from the idea folder (`img-src ${cspSource}`), our stylesheet, and one
 *   inline script with a per-load nonce that only records the folder (`setState`) so the
 *   panel comes back after a reload;
 * - paper preview: one script with a per-load nonce, the pdf.js worker as a `blob:` URL made
 *   from the worker source the extension posts (`worker-src blob:`), canvases (no image
 *   fetch), PDF fonts through the FontFace API (`font-src data: blob:` for pdf.js's fallbacks).
 * No remote origin appears in any policy. Pure; `cspSource` comes from `webview.cspSource`.
 */

import * as crypto from "crypto";

export function nonce(): string {
  return crypto
    .randomBytes(16)
    .toString("base64")
    .replace(/[^A-Za-z0-9]/g, "");
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );
}

export function resultsCsp(cspSource: string, scriptNonce: string): string {
  return [
    `default-src 'none'`,
    `script-src 'nonce-${scriptNonce}'`,
    `img-src ${cspSource}`,
    `style-src ${cspSource}`,
  ].join("; ");
}

/** A JSON value safe inside an inline <script> (no "</script>", no HTML comment openers). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026");
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
