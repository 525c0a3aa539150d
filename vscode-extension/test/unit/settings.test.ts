import assert from "node:assert/strict";
import { test } from "node:test";
import { serverSettings, SERVER_KEYS } from "../../src/settings";

const defaults: Record<string, unknown> = {
  python: "/x/python", model: null, apiBase: null, scientist: "auto", engine: "semanticscholar", scale: "auto",
  autonomy: "review-edits", timeout: 7200, maxCost: null, maxRuns: 5, maxIters: 4, numIdeas: 2, sandbox: "auto",
  "trace.server": "off",
};

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
  assert.equal(serverSettings((k) => ({ ...defaults, scale: "smoke" } as Record<string, unknown>)[k]).scale, "smoke");
});

test("an empty model or apiBase is null; text is trimmed", () => {
  const s = serverSettings((k) => ({ ...defaults, model: "  ", apiBase: " http://127.0.0.1:8000/v1 " } as Record<string, unknown>)[k]);
  assert.equal(s.model, null);
  assert.equal(s.apiBase, "http://127.0.0.1:8000/v1");
});

test("maxCost 0 means no cap", () => {
  assert.equal(serverSettings((k) => ({ ...defaults, maxCost: 0 } as Record<string, unknown>)[k]).maxCost, null);
  assert.equal(serverSettings((k) => ({ ...defaults, maxCost: 2.5 } as Record<string, unknown>)[k]).maxCost, 2.5);
});

test("values of a wrong type are not sent (the server would refuse them)", () => {
  const s = serverSettings((k) => ({ ...defaults, maxRuns: { bad: 1 }, timeout: undefined } as Record<string, unknown>)[k]);
  assert.ok(!("maxRuns" in s));
  assert.ok(!("timeout" in s));
});
