import assert from "node:assert/strict";
import { test } from "node:test";
import { CrashPolicy } from "../../src/crashPolicy";

test("restarts three times within the window, then stops and says why", () => {
  let t = 0;
  const p = new CrashPolicy(3, 180_000, () => t);
  for (let i = 1; i <= 3; i++) {
    t += 1000;
    const d = p.onCrash('last error: "ValueError: boom"');
    assert.equal(d.restart, true);
    assert.match(d.message, new RegExp(`restarting it \\(${i} of 3\\)`));
  }
  t += 1000;
  const d = p.onCrash('last error: "ValueError: boom"');
  assert.equal(d.restart, false);
  assert.match(d.message, /crashed 4 times within 3 minutes/);
  assert.match(d.message, /ValueError: boom/);
  assert.match(d.message, /Restart Server/);
});

test("crashes older than the window are forgotten", () => {
  let t = 0;
  const p = new CrashPolicy(3, 180_000, () => t);
  for (let i = 0; i < 3; i++) {
    t += 1000;
    p.onCrash();
  }
  t += 200_000;
  assert.equal(p.onCrash().restart, true);
});

test("reset after a deliberate restart", () => {
  const t = 0;
  const p = new CrashPolicy(1, 180_000, () => t);
  assert.equal(p.onCrash().restart, true);
  assert.equal(p.onCrash().restart, false);
  p.reset();
  assert.equal(p.onCrash().restart, true);
});

test("the messages name what crashed and quote its last error once", () => {
  const p = new CrashPolicy(0, 180_000, () => 0);
  const d = p.onCrash(
    'exited with code 3; last error: "RuntimeError: boom"',
    "The AI Scientist server (/x/python -m aisci lsp)",
  );
  assert.equal(d.restart, false);
  assert.equal(
    d.message,
    'The AI Scientist server (/x/python -m aisci lsp) crashed 1 times within 3 minutes (exited with code 3; last error: "RuntimeError: boom"), so it is not restarted again. Fix the cause shown in the logs, then run "AI Scientist: Restart Server".',
  );
  assert.equal(
    new CrashPolicy().onCrash("exited with signal SIGKILL").message,
    "The AI Scientist server stopped unexpectedly (exited with signal SIGKILL); restarting it (1 of 3).",
  );
});
