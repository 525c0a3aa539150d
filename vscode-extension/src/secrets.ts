/**
 * API keys in VS Code's SecretStorage, handed to the server's environment.
 *
 * Contract: "AI Scientist: Set API Key" stores one key per environment variable name
 * (OPENAI_API_KEY, ...) under `aisci.env.<NAME>`; `environment()` returns the stored ones as
 * `{NAME: value}` for the server process. Keys are never written to settings, logs or the
 * protocol (docs/lsp.md: the server reads keys only from its environment). An empty value
 * deletes the key.
 */

import * as vscode from "vscode";
import { API_KEY_NAMES } from "./settings";

const PREFIX = "aisci.env.";

export class ApiKeys {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  async environment(): Promise<Record<string, string>> {
    // All at once: each read is a round trip to the window (in a browser, to its storage).
    const values = await Promise.all(API_KEY_NAMES.map((name) => this.secrets.get(PREFIX + name)));
    const env: Record<string, string> = {};
    API_KEY_NAMES.forEach((name, i) => {
      const value = values[i];
      if (value) {
        env[name] = value;
      }
    });
    return env;
  }

  /** Asks which key and its value; true when something changed. */
  async prompt(): Promise<boolean> {
    const stored = await this.environment();
    const pick = await vscode.window.showQuickPick(
      API_KEY_NAMES.map((name) => ({
        label: name,
        description: stored[name] ? "stored" : process.env[name] ? "from the environment" : "",
      })),
      {
        title: "AI Scientist: Set API Key",
        placeHolder: "Which key? (stored in VS Code's secret storage)",
      },
    );
    if (!pick) {
      return false;
    }
    const value = await vscode.window.showInputBox({
      title: `AI Scientist: ${pick.label}`,
      prompt:
        "The key is kept in VS Code's secret storage and passed to the server's environment. Leave empty to delete it.",
      password: true,
      ignoreFocusOut: true,
    });
    if (value === undefined) {
      return false;
    }
    if (value.trim() === "") {
      await this.secrets.delete(PREFIX + pick.label);
    } else {
      await this.secrets.store(PREFIX + pick.label, value.trim());
    }
    return true;
  }
}
