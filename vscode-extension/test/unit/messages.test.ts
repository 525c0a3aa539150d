import assert from "node:assert/strict";
import { test } from "node:test";
import {
  describeFailure,
  inWords,
  interpreterChanged,
  ServerDown,
  serverFailure,
  titled,
} from "../../src/errors";
import { Logs } from "../../src/logs";
import { summarise } from "../../src/summary";
import { previewCsp, resultsCsp, escapeHtml, scriptJson } from "../../src/webviews/html";

test("busy: names what runs where by its title, offers to cancel it", () => {
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
    "Launch cannot start: Run Baseline is running on /ws/results/tiny/baseline_smoke. Wait for it to finish, or cancel it.",
  );
  assert.deepEqual(f.fixes, [{ kind: "cancel", label: "Cancel It", job: "aisci-job-1" }]);
});

test("a stage failure is told once, in the title's words, with the fix its cause names", () => {
  const template = describeFailure("Run Baseline", {
    code: -32001,
    message: "Template grokking cannot be used: experiment.py:37: syntax error: invalid syntax.",
    data: {
      command: "aisci.runBaseline",
      message: "Template grokking cannot be used: experiment.py:37: syntax error: invalid syntax.",
      hint: "Fix experiment.py:37, then run the command again.",
      log: null,
      location: { file: "/ws/templates/grokking/experiment.py", line: 37 },
    },
  });
  assert.equal(template.severity, "error");
  assert.equal(
    template.message,
    "Run Baseline failed: Template grokking cannot be used: experiment.py:37: syntax error: invalid syntax. Fix experiment.py:37, then run the command again.",
  );
  assert.deepEqual(
    template.fixes.map((x) => x.label),
    ["Open experiment.py:37", "Show Logs"],
  );
  assert.deepEqual(template.fixes[0], {
    kind: "open",
    label: "Open experiment.py:37",
    file: "/ws/templates/grokking/experiment.py",
    line: 37,
  });

  const tex = describeFailure("Build Paper", {
    code: -32001,
    message: "x",
    data: {
      message:
        "LaTeX is not installed: pdflatex, latexmk not found on PATH. Install TeX Live: apt-get install texlive (or run `make setup`).",
      hint: "Install TeX Live, then build again.",
      log: null,
    },
  });
  assert.doesNotMatch(tex.message, /aisci\.|resume/);
  assert.deepEqual(
    tex.fixes.map((x) => x.label),
    ["Install TeX…", "Show Logs"],
  );

  const run = describeFailure("Run Experiments", {
    code: -32001,
    message: "x",
    data: {
      message: "Run 1 of idea wd failed (exit 1) after 4 s: ValueError: nan.",
      hint: null,
      log: "/ws/results/t/wd/run_1/stderr.log",
    },
  });
  assert.equal(
    run.message,
    "Run Experiments failed: Run 1 of idea wd failed (exit 1) after 4 s: ValueError: nan.",
  );
  assert.deepEqual(run.fixes, [
    { kind: "openLog", label: "Open Log", file: "/ws/results/t/wd/run_1/stderr.log" },
  ]);

  // The server's own words name the command by its id: the researcher reads its title, once.
  const unexpected = describeFailure("Build Paper", {
    code: -32001,
    message: "aisci.buildPaper failed unexpectedly: KeyError: 'x'.",
    data: { message: "aisci.buildPaper failed unexpectedly: KeyError: 'x'.", hint: null },
  });
  assert.equal(unexpected.message, "Build Paper failed unexpectedly: KeyError: 'x'.");
});

test("cancelled is information without a button; a server that cannot start offers another Python", () => {
  assert.deepEqual(describeFailure("Launch", { code: -32800, message: "cancelled" }), {
    severity: "info",
    message: "Launch was cancelled.",
    fixes: [],
  });
  const down = describeFailure(
    "Run Baseline",
    new ServerDown("The AI Scientist server cannot start: /usr/bin/python3 has no aisci."),
  );
  assert.equal(
    down.message,
    "Run Baseline did not run: The AI Scientist server cannot start: /usr/bin/python3 has no aisci.",
  );
  assert.doesNotMatch(down.message, /not running: .*cannot start/);
  assert.deepEqual(
    down.fixes.map((x) => x.label),
    ["Select Interpreter", "Show Logs"],
  );
  assert.deepEqual(
    serverFailure("x").fixes.map((x) => x.label),
    ["Select Interpreter", "Show Logs"],
  );
});

test("invalid params and anything else are errors with the server's words, ids as titles", () => {
  const f = describeFailure("Review Paper", {
    code: -32602,
    message: 'aisci.review: "folder" must be a non-empty string',
  });
  assert.equal(f.severity, "error");
  assert.equal(
    f.message,
    'Review Paper failed: Review Paper: "folder" must be a non-empty string.',
  );
  assert.match(
    describeFailure("X", new Error("Client is not running")).message,
    /X failed: Client is not running/,
  );
});

test("a title goes before a line once", () => {
  assert.equal(
    titled("Launch", "Launch finished: 2 idea(s), 1 completed."),
    "Launch finished: 2 idea(s), 1 completed.",
  );
  assert.equal(
    titled("Run Baseline", "Baseline done in 0.8 s."),
    "Run Baseline: Baseline done in 0.8 s.",
  );
  assert.equal(inWords("aisci.runBaseline and aisci.nope"), "Run Baseline and aisci.nope");
  assert.equal(
    interpreterChanged({ path: "/ws/.venv/bin/python", source: "workspace .venv" }),
    "aiScientist.python changed: the AI Scientist server now runs /ws/.venv/bin/python (from workspace .venv).",
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

test("a normal stop (exit code 0) is logged at info, a crash at error", () => {
  const logs = new Logs();
  const lines = (logs as unknown as { real: { lines: string[] } }).real.lines;
  logs.channel.appendLine("[Error - 10:00:00] Server process exited with code 0.");
  logs.channel.appendLine("[Error - 10:00:01] Server process exited with code 1.");
  assert.deepEqual(lines, [
    "info: Server process exited with code 0.\n",
    "error: Server process exited with code 1.\n",
  ]);
});
