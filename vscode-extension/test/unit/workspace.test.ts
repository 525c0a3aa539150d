import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { resetMock, Uri, workspace } from "./vscode-mock";
import { workspaceFolder, workspaceRoot } from "../../src/workspace";

beforeEach(() => resetMock());

test("with no folder open there is no workspace root", () => {
  assert.equal(workspaceFolder(), undefined);
  assert.equal(workspaceRoot(), undefined);
  workspace.workspaceFolders = [];
  assert.equal(workspaceRoot(), undefined);
});

test("a multi-root workspace works in its first folder", () => {
  workspace.workspaceFolders = [
    { uri: Uri.file("/ws/first"), name: "first", index: 0 },
    { uri: Uri.file("/ws/second"), name: "second", index: 1 },
  ];
  assert.equal(workspaceFolder()?.name, "first");
  assert.equal(workspaceRoot(), "/ws/first");
});
