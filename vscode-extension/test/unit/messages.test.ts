import assert from "node:assert/strict";
import { test } from "node:test";
import { describeFailure } from "../../src/errors";
import { summarise } from "../../src/summary";
import { previewCsp, resultsCsp, escapeHtml, scriptJson } from "../../src/webviews/html";

test("busy: names what runs where, offers to cancel it", () => {
  const f = describeFailure("Launch", {
    code: -32002,
    message: "busy",
    data: {
      command: "aisci.launch",
      running: {
        job: "aisci-job-1",
        command: "aisci.runBaseline",
        folder: "/ws/results/tiny/baseline_smoke",
        since: 1,
      },
    },
  });
  assert.equal(f.severity, "warning");
  assert.equal(
    f.message,
    "Launch cannot start: aisci.runBaseline is running on /ws/results/tiny/baseline_smoke. Wait for it to finish, or cancel it.",
  );
  assert.equal(f.cancelJob, "aisci-job-1");
});

test("stage failed is only logged (the server shows it); cancelled is information", () => {
  assert.equal(
    describeFailure("Run Baseline", {
      code: -32001,
      message: "x",
      data: { message: "Run 0 failed" },
    }).severity,
    "log",
  );
  assert.deepEqual(describeFailure("Launch", { code: -32800, message: "cancelled" }), {
    severity: "info",
    message: "Launch was cancelled.",
  });
});

test("invalid params and anything else are errors with the server's words", () => {
  const f = describeFailure("Review Paper", {
    code: -32602,
    message: 'aisci.review: "folder" must be a non-empty string',
  });
  assert.equal(f.severity, "error");
  assert.match(f.message, /Review Paper failed: aisci\.review: "folder" must be/);
  assert.match(
    describeFailure("X", new Error("Client is not running")).message,
    /X failed: Client is not running/,
  );
});

test("summaries of results", () => {
  assert.deepEqual(
    summarise("aisci.runBaseline", {
      ok: true,
      folder: "/r/tiny/baseline_smoke",
      means: { sine: { val_mse: 0.2 } },
      durationS: 0.84,
      reused: false,
    }),
    { ok: true, text: "Baseline done in 0.8 s: val_mse 0.2 (baseline_smoke)." },
  );
  assert.equal(
    summarise("aisci.runBaseline", {
      ok: true,
      folder: "/r/t/baseline_smoke",
      means: {},
      reused: true,
    }).text,
    "Baseline reused (baseline_smoke).",
  );
  assert.deepEqual(
    summarise("aisci.launch", {
      ok: true,
      ideas: [
        { idea: "a", ok: true },
        { idea: "b", ok: false },
      ],
    }),
    { ok: true, text: "Launch finished: 2 idea(s), 1 completed." },
  );
  assert.equal(
    summarise("aisci.buildPaper", { ok: false, folder: "/r/t/x", pdf: null, errors: 3 }).ok,
    false,
  );
  assert.equal(
    summarise("aisci.runExperiments", {
      ok: false,
      folder: "/r/t/x",
      message: "every run failed",
      runs: [{ error: "e" }],
    }).text,
    "x: 1 run(s), 1 failed. every run failed",
  );
  assert.equal(summarise("aisci.unknown", { message: "hi" }).text, "hi");
});

test("a checklist review's result names its passed checks, never a decision", () => {
  const text = summarise("aisci.review", {
    ok: true,
    folder: "/r/t/x",
    message: "checks 5/5 passed, not judged",
    reviewKind: "checklist",
    verdict: "checks 5/5 passed, not judged",
    review: { Kind: "checklist", Verdict: "checks 5/5 passed, not judged" },
    decision: null,
  }).text;
  assert.match(text, /checklist review, checks 5\/5 passed, not judged/);
  assert.doesNotMatch(text, /Overall|Accept/);
});

test("webview policies allow no remote origin and no eval", () => {
  const p = previewCsp("https://*.vscode-cdn.net", "abc");
  assert.match(p, /^default-src 'none'/);
  assert.match(p, /script-src 'nonce-abc'(;|$)/);
  assert.match(p, /worker-src blob:/);
  assert.doesNotMatch(p, /unsafe-eval|unsafe-inline|https?:\/\/(?!\*\.vscode-cdn)/);
  assert.match(resultsCsp("vscode-resource:", "n1"), /script-src 'nonce-n1'(;|$)/);
  assert.doesNotMatch(resultsCsp("vscode-resource:", "n1"), /unsafe|https?:/);
  assert.equal(
    scriptJson({ folder: "/a</script><b>&" }),
    '{"folder":"/a\\u003c/script\\u003e\\u003cb\\u003e\\u0026"}',
  );
  assert.equal(escapeHtml(`<a href="x">&'`), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
});
