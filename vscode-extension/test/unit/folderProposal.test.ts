import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import * as vscode from "vscode";
import { answers, calls, progressShown, resetMock, workspace } from "./vscode-mock";
import { fileItems, firstFile, folderAcceptAnswer, folderFilePath } from "../../src/folderProposal";
import { Logs } from "../../src/logs";
import { ProposalReviewer } from "../../src/proposals";
import type { ProposedFileParams, ReviewProposalParams } from "../../src/protocol";

const files: ProposedFileParams[] = [
  { file: "README.md", uri: "file:///ws/templates/t/README.md", original: "", proposed: "# T\n" },
  {
    file: "experiment.py",
    uri: "file:///ws/templates/t/experiment.py",
    original: "",
    proposed: "import os\nNOISE = 0.5\n",
  },
  {
    file: "latex/template.tex",
    uri: "file:///ws/templates/t/latex/template.tex",
    original: "",
    proposed: "\\documentclass{article}\r\n",
  },
];

const folder: ReviewProposalParams = {
  id: "p9",
  folder: "/ws/templates",
  file: "t",
  uri: "file:///ws/templates/t",
  description: "the template node 1 (draft) drafted from topic.md",
  stage: "drafting",
  original: "",
  proposed: "",
  files,
};
const settle = () => new Promise((r) => setImmediate(r));

beforeEach(() => resetMock());

test("accepting an unchanged folder answers accept; changed files alone go back as edit", () => {
  const same = new Map(files.map((f) => [f.file, f.proposed.replace(/\r\n/g, "\n")]));
  assert.deepEqual(folderAcceptAnswer(files, same), { action: "accept" });
  const changed = new Map(same).set("experiment.py", "import os\nNOISE = 0.1\n");
  assert.deepEqual(folderAcceptAnswer(files, changed), {
    action: "edit",
    files: [{ file: "experiment.py", text: "import os\nNOISE = 0.1\n" }],
  });
});

test("the quick pick's rows give each file's size, lines and first line; experiment.py opens first", () => {
  const [readme, experiment] = fileItems(files);
  assert.deepEqual(readme, {
    label: "README.md",
    description: "4 bytes, 1 line, new",
    detail: "# T",
    file: "README.md",
  });
  assert.equal(experiment.description, "22 bytes, 2 lines, new");
  assert.equal(firstFile(files)?.file, "experiment.py");
  assert.equal(firstFile([files[0]])?.file, "README.md");
});

test("a folder file's path keeps its folder and sub-folder, never leaving them", () => {
  assert.equal(folderFilePath("t", "latex/template.tex"), "/t/latex/template.tex");
  assert.equal(folderFilePath("/ws/templates/t", "../x.py"), "/t/x.py");
});

test("a folder proposal opens experiment.py against empty, lists its files, and takes an edit of any file on Accept All", async () => {
  const reviewer = new ProposalReviewer(new Logs());
  const pending = reviewer.review(folder, new vscode.CancellationTokenSource().token);
  await settle();
  const notice = progressShown[0];
  assert.equal(
    notice.title,
    "Proposed new folder t/ (3 files, drafting): the template node 1 (draft) drafted from topic.md",
  );
  const links = String((notice.reports[0] as { message: string }).message);
  assert.match(links, /\[Accept All\]\(command:aiScientist\.acceptProposal\?%5B%22p9%22%5D\)/);
  assert.match(links, /\[Files…\]\(command:aiScientist\.showProposal\?/);
  const diff = calls.find((c) => c.fn === "command:vscode.diff");
  const [left, right] = diff?.args as [vscode.Uri, vscode.Uri];
  assert.equal(right.path, "/t/experiment.py");
  assert.equal(left.scheme, "aisci-current");

  // Files…: the pick of README.md opens its diff.
  answers.quickPick.push(fileItems(files)[0]);
  await reviewer.showCommand("p9");
  const pick = calls.find((c) => c.fn === "showQuickPick");
  assert.equal((pick?.args[0] as { label: string }[]).length, 3);
  const diffs = calls.filter((c) => c.fn === "command:vscode.diff");
  assert.equal((diffs[diffs.length - 1].args[1] as vscode.Uri).path, "/t/README.md");

  // The researcher edits latex/template.tex, then accepts from that file's diff.
  const tex = vscode.Uri.from({
    scheme: "aisci-proposed",
    path: "/t/latex/template.tex",
    query: "p9",
  });
  workspace.textDocuments.push({
    uri: tex,
    isDirty: false,
    getText: () => "\\documentclass{article}\r\n% mine\r\n",
    save: () => Promise.resolve(true),
  });
  await reviewer.acceptCommand(tex);
  assert.deepEqual(await pending, {
    action: "edit",
    files: [{ file: "latex/template.tex", text: "\\documentclass{article}\r\n% mine\r\n" }],
  });
  assert.equal(reviewer.count, 0);
  reviewer.dispose();
});

test("rejecting a folder proposal asks once for the reason of the whole folder", async () => {
  const reviewer = new ProposalReviewer(new Logs());
  const pending = reviewer.review(folder, new vscode.CancellationTokenSource().token);
  await settle();
  answers.input.push("  use generated data  ");
  await reviewer.rejectCommand("p9");
  assert.deepEqual(await pending, { action: "reject", reason: "use generated data" });
  const asked = calls.find((c) => c.fn === "showInputBox")?.args[0] as { title: string };
  assert.equal(asked.title, "Reject the proposed folder t/ (all 3 files)");
});
