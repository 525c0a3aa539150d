import assert from "node:assert/strict";
import { test } from "node:test";
import type { CostInfo } from "../../src/protocol";
import { ledgerMarkdown, runningText, STATUS_MAX, usd } from "../../src/status";

/**
 * An answer as an older or partial server sent it (fields missing where protocol.ts says the
 * server always sends them): the ledger still tolerates it, and these tests keep checking so.
 */
function partial<T>(value: object): T {
  return value as T;
}

test("the ledger lists totals, the cap, tokens, stages and ledgers", () => {
  const md = ledgerMarkdown(
    partial<CostInfo>({
      totalUsd: 0.1234,
      byStage: { ideas: 0.1, novelty: 0.0234 },
      tokensIn: 1000,
      tokensOut: 200,
      maxCostUsd: 5,
      ledgers: [{ path: "/ws/results/tiny/x/cost.json", totalUsd: 0.1 }],
    }),
  );
  assert.match(md, /Total so far: \*\*\$0\.12\*\*/);
  assert.match(md, /Cap \(aiScientist\.maxCost\): \$5\.00/);
  assert.match(md, /Tokens: 1000 in, 200 out/);
  assert.match(md, /\| novelty \| \$0\.02 \|/);
  assert.match(md, /\| \/ws\/results\/tiny\/x\/cost\.json \| \$0\.10 \|/);
});

test("no model call yet, and no server", () => {
  assert.match(
    ledgerMarkdown(partial<CostInfo>({ totalUsd: 0, byStage: {} })),
    /No model call yet/,
  );
  assert.match(ledgerMarkdown(undefined), /server is not running/);
  assert.equal(usd(0.004), "$0.0040");
  assert.equal(usd(null), "–");
});

test("a model with no known price costs 'unknown', never $0.00", () => {
  assert.equal(usd(null, true), "unknown");
  assert.equal(usd(0.5, true), "at least $0.50");
  const md = ledgerMarkdown(
    partial<CostInfo>({
      totalUsd: null,
      unknown: true,
      byStage: { ideas: null },
      tokensIn: 10,
      tokensOut: 2,
      ledgers: [
        { path: "/ws/results/tiny/cost.json", totalUsd: null, unknown: true },
        { path: "/ws/results/b/cost.json", totalUsd: 0.25, unknown: true },
      ],
    }),
  );
  assert.match(md, /Total so far: \*\*unknown\*\*/);
  assert.match(md, /\| ideas \| unknown \|/);
  assert.match(md, /\| \/ws\/results\/tiny\/cost\.json \| unknown \|/);
  assert.match(md, /\| \/ws\/results\/b\/cost\.json \| at least \$0\.25 \|/);
  assert.doesNotMatch(md, /\$0\.00/);
});

test("the status bar shows a training run's progress, as the server words it", () => {
  const message = "run 1 of up to 3 · step 400/1,250 · 0:42 elapsed · ~1:20 left";
  assert.equal(runningText("experiments", message), `experiments: ${message}`);
  // Without a report: elapsed time and the run's last log line, cut to fit.
  const quiet = `run 2 of 3 · 0:07 elapsed · ${"epoch 1: ".repeat(12)}`;
  assert.equal(runningText("experiments", quiet), "experiments: run 2 of 3 · 0:07 elapsed");
  assert.equal(
    runningText("baseline", "run_0 (baseline) · step 10 · 0:05 elapsed"),
    "baseline: run_0 (baseline) · step 10 · 0:05 elapsed",
  );
  const long = runningText("experiments", `run 1 of 3 ${"x".repeat(200)}`);
  assert.equal(long.length, STATUS_MAX);
  assert.ok(long.endsWith("…"));
  // A stage's own report (no run) keeps the stage's name alone.
  assert.equal(runningText("novelty", "novelty: idea_a"), "novelty");
  assert.equal(runningText(undefined, undefined), "working");
});
