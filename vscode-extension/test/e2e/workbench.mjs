// Driving VS Code's workbench in code-server (selectors of VS Code 1.100): the command
// palette, quick picks and input boxes, notifications, the views' rows, webview frames.
import { fail } from "./support.mjs";

export function workbench(getPage, log) {
  const page = () => getPage();

  async function runCommand(title) {
    for (let attempt = 1; attempt <= 8; attempt++) {
      try {
        await page().keyboard.press("Escape");
        await page().keyboard.press("F1");
        const input = page().locator(".quick-input-widget input.input");
        await input.waitFor({ state: "visible", timeout: 5_000 });
        await input.fill(`>${title}`, { timeout: 3_000 });
        const row = page().locator(".quick-input-widget .monaco-list-row.focused", { hasText: title });
        await row.waitFor({ state: "visible", timeout: 4_000 });
        const label = (await row.getAttribute("aria-label", { timeout: 1_000 })) ?? "";
        if (!label.startsWith(title)) {
          throw new Error(`focused row is "${label}"`);
        }
        await page().keyboard.press("Enter");
        log(`ran "${title}"`);
        return;
      } catch (e) {
        // The palette lists commands when it opens, and a notification can take the focus.
        log(`"${title}" not run (attempt ${attempt}: ${String(e.message ?? e).split("\n")[0]}); reopening`);
      }
    }
    fail(`command "${title}" never appeared in the palette`);
  }

  async function pick(label, timeout = 30_000) {
    const row = page().locator(".quick-input-widget .monaco-list-row", { hasText: label }).first();
    await row.waitFor({ state: "visible", timeout });
    await row.click();
    log(`picked "${label}"`);
  }

  async function answerInput(text) {
    const input = page().locator(".quick-input-widget input.input");
    await input.waitFor({ state: "visible", timeout: 15_000 });
    await input.fill(text);
    await page().keyboard.press("Enter");
  }

  function toast(text) {
    return page().locator(".notifications-toasts .notification-toast", { hasText: text });
  }

  async function waitToast(text, timeoutMs) {
    const t = toast(text).first();
    await t.waitFor({ state: "visible", timeout: timeoutMs });
    return t;
  }

  function toastText(t) {
    return t.locator(".notification-list-item-message").innerText();
  }

  function view(title) {
    return page().locator(".pane", { has: page().locator(".pane-header h3.title", { hasText: new RegExp(`^${title}$`, "i") }) });
  }

  function viewRows(title) {
    return view(title).locator(".monaco-list-row").allInnerTexts();
  }

  function errorsShown() {
    return page().locator(".notifications-toasts .notification-toast .codicon-error").count();
  }

  function clearNotifications() {
    return runCommand("Notifications: Clear All Notifications");
  }

  /** The first frame (webviews are nested iframes) holding `selector`, with its size. */
  async function findFrame(selector) {
    for (const frame of page().frames()) {
      try {
        const found = await frame.evaluate((sel) => {
          const el = document.querySelector(sel);
          return el ? { width: el.width ?? el.clientWidth, height: el.height ?? el.clientHeight } : null;
        }, selector);
        if (found) {
          return { frame, ...found };
        }
      } catch {
        /* a frame going away */
      }
    }
    return undefined;
  }

  /** The text of `selector` in whichever frame has it. */
  async function frameText(selector) {
    for (const frame of page().frames()) {
      const text = await frame.evaluate((sel) => document.querySelector(sel)?.textContent ?? "", selector).catch(() => "");
      if (text) {
        return text;
      }
    }
    return undefined;
  }

  return { runCommand, pick, answerInput, toast, waitToast, toastText, view, viewRows, errorsShown, clearNotifications, findFrame, frameText };
}
