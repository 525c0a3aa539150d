import assert from "node:assert/strict";
import { test } from "node:test";
import type { CostInfo } from "../../src/protocol";
import { ledgerMarkdown, usd } from "../../src/status";

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
