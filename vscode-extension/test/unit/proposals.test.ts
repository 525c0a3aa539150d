import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import * as vscode from "vscode";
import {
  answers,
  calls,
  fileSystems,
  progressShown,
  providers,
  resetMock,
  workspace,
} from "./vscode-mock";
import { Logs } from "../../src/logs";
import { ProposalReviewer } from "../../src/proposals";
import type { ReviewProposalParams } from "../../src/protocol";

const params: ReviewProposalParams = {
  id: "p3",
  folder: "/ws/results/tiny/20250101_120000_sweep_degree",
  file: "experiment.py",
  uri: "file:///ws/results/tiny/20250101_120000_sweep_degree/experiment.py",
  description: "DEGREE = 3 (baseline 5)",
  stage: "experiments",
  original: "DEGREE = 5\n",
  proposed: "DEGREE = 3\n",
  diff: "",
  job: "aisci-job-2",
};

const proposed = "aisci-proposed:///20250101_120000_sweep_degree/experiment.py?p3";
const proposedAt = vscode.Uri.from({
  scheme: "aisci-proposed",
  path: "/20250101_120000_sweep_degree/experiment.py",
  query: "p3",
});
/** The proposed side's file system, as the reviewer registered it. */
const proposedFs = () => fileSystems.get("aisci-proposed") as { has(uri: vscode.Uri): boolean };
const settle = () => new Promise((r) => setImmediate(r));

beforeEach(() => resetMock());

test("a proposal opens current vs proposed as a diff at the first change; Accept answers accept and closes its notification", async () => {
  const reviewer = new ProposalReviewer(new Logs());
  const pending = reviewer.review(
    { ...params, original: "# a\nDEGREE = 5\n", proposed: "# a\nDEGREE = 3\n" },
    new vscode.CancellationTokenSource().token,
  );
  await settle();
  const notice = progressShown[0];
  assert.equal(
    notice.title,
    "Proposed edit to experiment.py (experiments): DEGREE = 3 (baseline 5)",
  );
  const links = String((notice.reports[0] as { message: string }).message);
  assert.match(links, /\[Accept\]\(command:aiScientist\.acceptProposal\?%5B%22p3%22%5D\)/);
  assert.match(links, /\[Reject\]\(command:aiScientist\.rejectProposal\?/);
  assert.equal(notice.closed, false);
  await reviewer.acceptCommand("p3");
  const answer = await pending;
  assert.deepEqual(answer, { action: "accept" });
  await settle();
  assert.equal(notice.closed, true, "an answered proposal's notification closes");
  const diff = calls.find((c) => c.fn === "command:vscode.diff");
  assert.ok(diff);
  const [left, right, title, options] = diff.args as [
    vscode.Uri,
    vscode.Uri,
    string,
    { selection: { startLine: number } },
  ];
  assert.equal(left.scheme, "aisci-current");
  assert.equal(right.toString(), proposed);
  assert.equal(title, "experiment.py: current ↔ proposed (DEGREE = 3 (baseline 5))");
  assert.equal(options.selection.startLine, 1, "the diff opens at the first changed line");
  assert.ok(!proposedFs().has(right), "the proposal's file is forgotten once answered");
  assert.ok(!right.path.includes("storage") && left.path === right.path, "no storage path");
  assert.equal(reviewer.count, 0);
  reviewer.dispose();
});

test("the current side shows the original text", async () => {
  const reviewer = new ProposalReviewer(new Logs());
  const pending = reviewer.review(params, new vscode.CancellationTokenSource().token);
  await settle();
  const diff = calls.find((c) => c.fn === "command:vscode.diff");
  const left = diff?.args[0] as vscode.Uri;
  assert.equal(providers.get("aisci-current")?.provideTextDocumentContent(left), "DEGREE = 5\n");
  await reviewer.acceptCommand("p3");
  assert.deepEqual(await pending, { action: "accept" });
});

test("an edited proposed side answers edit with the researcher's text", async () => {
  const reviewer = new ProposalReviewer(new Logs());
  const pending = reviewer.review(params, new vscode.CancellationTokenSource().token);
  await settle();
  let saved = false;
  workspace.textDocuments.push({
    uri: proposedAt,
    isDirty: true,
    getText: () => "DEGREE = 4\n",
    save: () => {
      saved = true;
      return Promise.resolve(true);
    },
  });
  await reviewer.acceptCommand(proposedAt);
  assert.deepEqual(await pending, { action: "edit", text: "DEGREE = 4\n" });
  assert.ok(saved, "a dirty proposal is saved before its diff closes");
});

test("Reject asks for a reason; Escape keeps the proposal pending", async () => {
  const reviewer = new ProposalReviewer(new Logs());
  const pending = reviewer.review(params, new vscode.CancellationTokenSource().token);
  await settle();
  answers.input.push(undefined);
  await reviewer.rejectCommand("p3");
  assert.equal(reviewer.count, 1);
  answers.input.push("  try the learning rate instead ");
  await reviewer.rejectCommand("p3");
  assert.deepEqual(await pending, { action: "reject", reason: "try the learning rate instead" });
});

test("a withdrawn request closes the review and says so", async () => {
  const reviewer = new ProposalReviewer(new Logs());
  const source = new vscode.CancellationTokenSource();
  const pending = reviewer.review(params, source.token);
  await settle();
  source.cancel();
  await pending;
  assert.equal(reviewer.count, 0);
  assert.ok(
    calls.some((c) => c.fn === "showInformationMessage" && String(c.args[0]).includes("withdrawn")),
  );
});

test("with no proposal pending, Accept says so", async () => {
  const reviewer = new ProposalReviewer(new Logs());
  await reviewer.acceptCommand();
  assert.ok(
    calls.some(
      (c) => c.fn === "showInformationMessage" && c.args[0] === "No AI edit is waiting for review.",
    ),
  );
});
