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
        const row = page().locator(".quick-input-widget .monaco-list-row.focused", {
          hasText: title,
        });
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
        log(
          `"${title}" not run (attempt ${attempt}: ${String(e.message ?? e).split("\n")[0]}); reopening`,
        );
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

  /**
   * Runs `title` and picks `label` in the picker it opens. A picker closes when something
   * else takes the focus (a webview that has just loaded, an editor that closes); a person
   * would run the command again, and so does this, a bounded number of times, when the
   * command's picker was seen open and then closed before `label` was picked, or was not
   * seen at all within NEVER_OPENED_MS (it can open and close between two looks). A picker that
   * is slow to open is waited for, up to `timeout`.
   */
  const NEVER_OPENED_MS = 8_000;

  async function commandPick(title, label, timeout = 30_000) {
    for (let attempt = 1; ; attempt++) {
      await runCommand(title);
      if (await pickUnlessClosed(label, timeout)) {
        return;
      }
      if (attempt >= 3) {
        fail(`the picker of "${title}" closed before "${label}" could be picked, ${attempt} times`);
      }
      log(
        `the picker of "${title}" closed before "${label}" was picked (attempt ${attempt}); running it again`,
      );
    }
  }

  /** Picks `label`: true once picked, false when the picker opened and then closed, or was
   * never seen open within NEVER_OPENED_MS. */
  async function pickUnlessClosed(label, timeout) {
    // The command palette's own input, still closing after its Enter, is not the picker.
    const open = page().locator(
      '.quick-input-widget:visible input.input:not([aria-label^="Type the name of a command"])',
    );
    const row = page()
      .locator(".quick-input-widget .monaco-list-row:visible", { hasText: label })
      .first();
    const start = Date.now();
    const end = start + timeout;
    let seenOpen = false;
    let closedSince;
    while (Date.now() < end) {
      if (await row.count()) {
        try {
          await row.click({ timeout: 2_000 });
          log(`picked "${label}"`);
          return true;
        } catch {
          /* the list changed under the click: look again */
        }
      }
      if (await open.count()) {
        seenOpen = true;
        closedSince = undefined;
      } else if (!seenOpen && Date.now() - start > NEVER_OPENED_MS) {
        // Opened and closed between two looks (a webview took the focus), or never opened:
        // a person would run the command again, and so does commandPick.
        return false;
      } else if (seenOpen) {
        closedSince ??= Date.now();
        if (Date.now() - closedSince > 1_500) {
          return false;
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    fail(
      `"${label}" never showed in a picker within ${timeout / 1000} s (${seenOpen ? "a picker opened" : "no picker opened"})`,
    );
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
    return page().locator(".pane", {
      has: page().locator(".pane-header h3.title", { hasText: new RegExp(`^${title}$`, "i") }),
    });
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
          return el
            ? { width: el.width ?? el.clientWidth, height: el.height ?? el.clientHeight }
            : null;
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
      const text = await frame
        .evaluate((sel) => document.querySelector(sel)?.textContent ?? "", selector)
        .catch(() => "");
      if (text) {
        return text;
      }
    }
    return undefined;
  }

  return {
    runCommand,
    pick,
    commandPick,
    answerInput,
    toast,
    waitToast,
    toastText,
    view,
    viewRows,
    errorsShown,
    clearNotifications,
    findFrame,
    frameText,
  };
}
