/**
 * The `aiScientist.*` settings as the language server wants them (docs/lsp.md §1).
 *
 * Contract: `serverSettings(get)` reads each server key through `get` (VS Code's
 * `WorkspaceConfiguration.get`) and returns the object sent under the section `aiScientist` in
 * `initializationOptions` and `workspace/didChangeConfiguration`. Keys that belong to the extension
 * only (`python`, `trace`) are never sent: the server refuses unknown keys. `scale: "auto"` is the
 * extension's way of saying "let the server choose" (a GPU decides full vs cpu), so it is left out
 * rather than sent. An empty `model` / `apiBase` / `apiKeyEnv` / `rayAddress` (null: the server's
 * `auto`) and a `maxCost` of 0 (what the settings UI can hold) are sent as null (none, no cap).
 * `folderSettings(base, folder)` is what one workspace folder sets differently (its own values).
 * Pure: no `vscode` import, unit-tested.
 */

export const SECTION = "aiScientist";

/**
 * The keys of docs/lsp.md §1 (declared on the fields of server/aisci/core/settings.py), in the
 * order the settings UI lists them; tests/lsp/test_settings_table.py checks both.
 */
export const SERVER_KEYS = [
  "model",
  "apiBase",
  "apiKeyEnv",
  "scientist",
  "engine",
  "scale",
  "autonomy",
  "timeout",
  "maxCost",
  "maxRuns",
  "maxIters",
  "numIdeas",
  "sandbox",
  "executor",
  "rayAddress",
  "search",
  "maxNodes",
  "seeds",
  "debugDepth",
  "retryBudgetSeconds",
  "structuredOutput",
] as const;

export type ServerKey = (typeof SERVER_KEYS)[number];
export type ServerSettings = Partial<Record<ServerKey, string | number | null>>;

/** API keys the server reads from its environment (aisci doctor lists the same names). */
export const API_KEY_NAMES = [
  "OPENAI_API_KEY",
  "ANTHROPIC_API_KEY",
  "GEMINI_API_KEY",
  "DEEPSEEK_API_KEY",
  "OPENROUTER_API_KEY",
  "S2_API_KEY",
  "OPENALEX_API_KEY",
] as const;

export function serverSettings(get: (key: ServerKey) => unknown): ServerSettings {
  const out: ServerSettings = {};
  for (const key of SERVER_KEYS) {
    const value = get(key);
    if (value === undefined) {
      continue;
    }
    if (key === "scale" && (value === "auto" || value === null || value === "")) {
      continue; // the server picks full with an NVIDIA GPU, else cpu
    }
    if (key === "maxCost" && (value === 0 || value === null)) {
      out[key] = null; // 0 in the settings UI: no cap
      continue;
    }
    if (
      (key === "model" || key === "apiBase" || key === "apiKeyEnv" || key === "rayAddress") &&
      typeof value === "string"
    ) {
      out[key] = value.trim() === "" ? null : value.trim();
      continue;
    }
    if (value === null || typeof value === "string" || typeof value === "number") {
      out[key] = value;
    }
  }
  return out;
}

/**
 * What one workspace folder sets differently from the window (`base`), sent under `folders`
 * beside the section (docs/lsp.md §1): the server lays it over the section for commands on
 * paths in that folder. A key the folder leaves out but the window sends (`scale: "auto"`, the
 * server's choice) is sent as null, so the folder gets the server's choice, not the window's.
 */
export function folderSettings(base: ServerSettings, folder: ServerSettings): ServerSettings {
  const out: ServerSettings = {};
  for (const key of SERVER_KEYS) {
    if (key in folder) {
      if (folder[key] !== base[key]) {
        out[key] = folder[key];
      }
    } else if (key in base) {
      out[key] = null;
    }
  }
  return out;
}

/** The command-object overrides a command may carry (any §1 key), e.g. `{numIdeas: 1}`. */
export function isServerKey(key: string): key is ServerKey {
  return (SERVER_KEYS as readonly string[]).includes(key);
}
