import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { resetMock, Uri, workspace } from "./vscode-mock";
import { folderOf, workspaceFolder, workspaceFolderOf, workspaceRoot } from "../../src/workspace";

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

test("a path's workspace folder is the innermost one holding it, else the first", () => {
  const folders = ["/ws/a", "/ws/b", "/ws/b/nested"];
  assert.equal(folderOf(folders, "/ws/b/templates/tiny"), 1);
  assert.equal(folderOf(folders, "/ws/b"), 1);
  assert.equal(folderOf(folders, "/ws/b/nested/results/tiny/20250101_000000_x"), 2);
  assert.equal(folderOf(folders, "/ws/a/results/tiny/ideas.json"), 0);
  // A sibling whose name starts like a folder's is not inside it.
  assert.equal(folderOf(folders, "/ws/bb/templates/tiny"), 0);
  assert.equal(folderOf(folders, "/elsewhere/templates/tiny"), 0, "no folder holds it: the first");
  assert.equal(folderOf([], "/ws/a"), undefined);
});

test("a command on a path in the second folder takes that folder", () => {
  workspace.workspaceFolders = [
    { uri: Uri.file("/ws/first"), name: "first", index: 0 },
    { uri: Uri.file("/ws/second"), name: "second", index: 1 },
  ];
  assert.equal(workspaceFolderOf("/ws/second/templates/tiny")?.name, "second");
  assert.equal(workspaceFolderOf("/tmp/outside.tex")?.name, "first");
  assert.equal(workspaceFolderOf(undefined)?.name, "first");
  workspace.workspaceFolders = undefined;
  assert.equal(workspaceFolderOf("/ws/second/x"), undefined);
});
