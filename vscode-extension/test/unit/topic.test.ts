import assert from "node:assert/strict";
import { test } from "node:test";
import type { TemplateDrafted, TopicCheck } from "../../src/protocol";
import { draftedText, noModelText, topicProblemsText } from "../../src/topic";

const drafted: TemplateDrafted = {
  ok: true,
  message: "node 2 (debug of node 1) passed after 2 node(s)",
  template: "/ws/templates/noise",
  name: "noise",
  topic: "/ws/topics/noise.md",
  winner: 2,
  winnerLabel: "node 2 (debug of node 1)",
  nodes: 2,
  costUsd: 0.0123,
  costUnknown: false,
  reused: false,
  record: "/ws/templates/noise/drafting",
};

test("a drafting names the template, the winning node, the nodes tried and the cost", () => {
  assert.equal(
    draftedText(drafted),
    "Template noise drafted from noise.md: node 2 (debug of node 1) passed after 2 node(s), cost $0.01. A model wrote its experiment.py: read it before you run it.",
  );
  // An unpriced model is never free: its cost is unknown, or a lower bound.
  assert.match(draftedText({ ...drafted, costUsd: null, costUnknown: true }), /, cost unknown\./);
  assert.match(draftedText({ ...drafted, costUnknown: true }), /, cost at least \$0\.01\./);
  assert.doesNotMatch(draftedText({ ...drafted, costUsd: null }), /cost/);
  assert.equal(
    draftedText({ ...drafted, reused: true }),
    "Template noise was drafted earlier (node 2 (debug of node 1)); nothing was asked.",
  );
});

test("a topic with errors counts them and names the first at its line", () => {
  const check: TopicCheck = {
    ok: false,
    topic: "/ws/topics/noise.md",
    name: null,
    problems: [
      { file: "noise.md", line: 3, severity: "warning", message: "unknown key", field: null },
      { file: "noise.md", line: 11, severity: "error", message: "direction?", field: "metric" },
      { file: "noise.md", line: null, severity: "error", message: "no Data", field: "data" },
    ],
  };
  assert.equal(
    topicProblemsText(check),
    "noise.md has 2 problem(s) to fix before drafting (line 11: direction?); all are in the Problems panel.",
  );
});

test("no model is said with the editor's settings, other failures are left to errors.ts", () => {
  const none = noModelText(
    "Draft Template failed: Drafting a template from a topic needs a model, and no --model was given: …",
  );
  assert.match(none ?? "", /aiScientist\.model is empty \(the sweep scientist/);
  assert.match(none ?? "", /Set aiScientist\.model .*Create Template\.$/);
  assert.equal(noModelText("Draft Template failed: Cost cap reached."), undefined);
});
