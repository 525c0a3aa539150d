import assert from "node:assert/strict";
import { test } from "node:test";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { folderSettings, serverSettings, SERVER_KEYS } from "../../src/settings";

/** The parts of package.json these tests read. */
interface PackageJson {
  contributes: {
    configuration: {
      properties: Record<
        string,
        { default?: unknown; markdownDescription?: string; scope?: string }
      >;
    };
  };
  capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
}

const readPackage = () =>
  JSON.parse(readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as PackageJson;

/** What `getConfiguration("aiScientist").get(key)` returns when nobody set anything: package.json's defaults. */
const defaults: Record<string, unknown> = Object.fromEntries(
  Object.entries(readPackage().contributes.configuration.properties).map(([name, p]) => [
    name.replace(/^aiScientist\./, ""),
    p.default,
  ]),
);

test("every server key is sent, the extension's own keys are not", () => {
  const s = serverSettings((k) => defaults[k]);
  assert.ok(!("python" in s));
  assert.ok(!("trace.server" in s));
  for (const k of SERVER_KEYS.filter((k) => k !== "scale")) {
    assert.ok(k in s, k);
  }
});

test("scale auto is left to the server", () => {
  assert.ok(!("scale" in serverSettings((k) => defaults[k])));
  assert.equal(
    serverSettings((k) => (({ ...defaults, scale: "smoke" }) as Record<string, unknown>)[k]).scale,
    "smoke",
  );
});

test("an empty model or apiBase is null; text is trimmed", () => {
  const s = serverSettings(
    (k) =>
      (
        ({ ...defaults, model: "  ", apiBase: " http://127.0.0.1:8000/v1 " }) as Record<
          string,
          unknown
        >
      )[k],
  );
  assert.equal(s.model, null);
  assert.equal(s.apiBase, "http://127.0.0.1:8000/v1");
});

test("maxCost 0 means no cap", () => {
  assert.equal(
    serverSettings((k) => (({ ...defaults, maxCost: 0 }) as Record<string, unknown>)[k]).maxCost,
    null,
  );
  assert.equal(
    serverSettings((k) => (({ ...defaults, maxCost: 2.5 }) as Record<string, unknown>)[k]).maxCost,
    2.5,
  );
});

test("values of a wrong type are not sent (the server would refuse them)", () => {
  const s = serverSettings(
    (k) =>
      (({ ...defaults, maxRuns: { bad: 1 }, timeout: undefined }) as Record<string, unknown>)[k],
  );
  assert.ok(!("maxRuns" in s));
  assert.ok(!("timeout" in s));
});

test("apiKeyEnv names a variable: empty is null, the name is trimmed", () => {
  assert.equal(serverSettings((k) => defaults[k]).apiKeyEnv, null);
  const s = serverSettings(
    (k) => (({ ...defaults, apiKeyEnv: " VLLM_API_KEY " }) as Record<string, unknown>)[k],
  );
  assert.equal(s.apiKeyEnv, "VLLM_API_KEY");
});

test("every key sent to the server is a setting of package.json, described and scoped", () => {
  const pkg = readPackage();
  const props = pkg.contributes.configuration.properties;
  for (const key of SERVER_KEYS) {
    const setting = props[`aiScientist.${key}`];
    assert.ok(setting, `package.json has no aiScientist.${key}`);
    assert.ok(setting.markdownDescription && setting.scope, key);
  }
  assert.equal(props["aiScientist.apiKeyEnv"].scope, "machine-overridable");
  assert.ok(
    pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes("aiScientist.apiKeyEnv"),
  );
});

test("executor and rayAddress are sent; an empty address is null (auto); a workspace cannot name the cluster", () => {
  const s = serverSettings(
    (k) =>
      (
        ({ ...defaults, executor: "ray", rayAddress: " 10.0.0.5:6379 " }) as Record<string, unknown>
      )[k],
  );
  assert.equal(s.executor, "ray");
  assert.equal(s.rayAddress, "10.0.0.5:6379");
  assert.equal(
    serverSettings((k) => (({ ...defaults, rayAddress: "" }) as Record<string, unknown>)[k])
      .rayAddress,
    null,
  );
  const restricted = readPackage().capabilities.untrustedWorkspaces.restrictedConfigurations;
  assert.ok(restricted.includes("aiScientist.rayAddress"));
  assert.ok(!restricted.includes("aiScientist.executor")); // local or ray: harmless, and a restricted server runs nothing
});

test("the tree search's settings are sent, seeds 0 included", () => {
  const s = serverSettings(
    (k) => (({ ...defaults, search: "tree", maxNodes: 6, seeds: 0 }) as Record<string, unknown>)[k],
  );
  assert.deepEqual([s.search, s.maxNodes, s.seeds, s.debugDepth], ["tree", 6, 0, 3]);
});

test("a workspace folder sends what it sets differently; its scale left to the server is null", () => {
  const read = (values: Record<string, unknown>) => serverSettings((k) => values[k]);
  const window = read({ ...defaults, numIdeas: 1, scale: "cpu" });
  const folder = read({ ...defaults, numIdeas: 3, scale: "auto", model: " gpt-4o " });
  assert.deepEqual(folderSettings(window, folder), { numIdeas: 3, scale: null, model: "gpt-4o" });
  assert.deepEqual(folderSettings(window, window), {}, "a folder that changes nothing");
});

test("every setting sent to the server may be set per workspace folder", () => {
  // "window" (and "application") settings are read from the user's and the workspace's
  // settings only: a folder's .vscode/settings.json could not choose its own model.
  const props = readPackage().contributes.configuration.properties;
  for (const key of SERVER_KEYS) {
    const scope = props[`aiScientist.${key}`].scope;
    assert.ok(scope === "resource" || scope === "machine-overridable", `${key}: ${scope}`);
  }
});
