import assert from "node:assert/strict";
import { test } from "node:test";
import {
  acceptAnswer,
  diffTitle,
  proposalFileName,
  rejectAnswer,
} from "../../src/proposalDecision";

test("accepting the unchanged proposal answers accept", () => {
  assert.deepEqual(acceptAnswer("a = 1\n", "a = 1\n"), { action: "accept" });
});

test("accepting after an edit answers edit with the whole text", () => {
  assert.deepEqual(acceptAnswer("a = 1\n", "a = 2\n"), { action: "edit", text: "a = 2\n" });
});

test("line endings of the editor do not turn an accept into an edit", () => {
  assert.deepEqual(acceptAnswer("a\nb\n", "a\r\nb\r\n"), { action: "accept" });
  assert.deepEqual(acceptAnswer("a\r\nb\r\n", "a\nb\n"), { action: "accept" });
  assert.deepEqual(acceptAnswer("a\nb\n", "a\r\nc\r\n"), { action: "edit", text: "a\nc\n" });
});

test("reject carries the trimmed reason, empty when none", () => {
  assert.deepEqual(rejectAnswer("  keep lr  "), { action: "reject", reason: "keep lr" });
  assert.deepEqual(rejectAnswer(undefined), { action: "reject", reason: "" });
});

test("proposal file keeps the file's extension; the id is made path-safe", () => {
  assert.equal(proposalFileName("p3", "latex/template.tex"), "p3/template.tex");
  assert.equal(proposalFileName("a/b:c", "experiment.py"), "a_b_c/experiment.py");
});

test("diff title names the file and sides", () => {
  assert.equal(
    diffTitle("experiment.py", "DEGREE = 3"),
    "experiment.py: current ↔ proposed (DEGREE = 3)",
  );
  assert.ok(diffTitle("x.py", "y".repeat(100)).endsWith("...)"));
});
