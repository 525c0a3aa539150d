import assert from "node:assert/strict";
import { test } from "node:test";
import type { SearchNodeInfo, TreeResult } from "../../src/protocol";
import { searchTreeMessage, searchTreeNodes } from "../../src/views/searchTreeModel";

const F = "/ws/results/tiny/20250101_120000_search_tiny";

/** A node as the server sends it: every field, those a test does not set at their defaults. */
function node(
  fields: Pick<SearchNodeInfo, "id" | "parent" | "kind" | "description" | "status"> &
    Partial<SearchNodeInfo>,
): SearchNodeInfo {
  return {
    diff: "",
    codeHash: "",
    metric: null,
    means: {},
    error: null,
    note: null,
    pinned: false,
    pruned: false,
    seed: null,
    depth: 0,
    duplicateOf: null,
    run: null,
    code: null,
    parentCode: null,
    ...fields,
  };
}

/** The answer for a folder without tree.json. */
const EMPTY: TreeResult = {
  folder: F,
  search: null,
  metric: null,
  settings: {},
  nodes: [],
  best: null,
  bestPath: [],
  confirmation: null,
  notes: [],
};

const record: TreeResult = {
  folder: F,
  search: "tree",
  settings: { max_nodes: 8 },
  notes: [],
  metric: { name: "val_loss", dataset: "sine", direction: "min", source: "template (aisci.json)" },
  best: 3,
  bestPath: [0, 1, 3],
  confirmation: { node: 3, mean: 0.31, std: 0.02, n: 2, seeds: [1, 2] },
  nodes: [
    node({
      id: 0,
      parent: null,
      kind: "root",
      description: "the baseline",
      status: "done",
      metric: 0.35,
      run: "run_0",
      code: `${F}/run_0.py`,
      parentCode: null,
    }),
    node({
      id: 1,
      parent: 0,
      kind: "draft",
      description: "LEARNING_RATE = 0.03",
      status: "done",
      metric: 0.33,
      run: "run_1",
      code: `${F}/run_1.py`,
      parentCode: `${F}/run_0.py`,
      diff: "--- a/experiment.py\n+++ b/experiment.py\n",
    }),
    node({
      id: 2,
      parent: 0,
      kind: "draft",
      description: "LEARNING_RATE = 0.3",
      status: "failed",
      error: "injected failure: diverged",
      run: "run_2",
      code: `${F}/run_2.py`,
      parentCode: `${F}/run_0.py`,
      pinned: true,
    }),
    node({
      id: 3,
      parent: 1,
      kind: "improve",
      description: "LEARNING_RATE = 0.009",
      status: "done",
      metric: 0.31,
      run: "run_3",
      code: `${F}/run_3.py`,
      parentCode: `${F}/run_1.py`,
    }),
    node({
      id: 4,
      parent: 2,
      kind: "debug",
      description: "debug of run_2: no fix was proposed",
      status: "failed",
      error: "no fix was proposed",
      run: null,
      code: null,
      parentCode: `${F}/run_2.py`,
      depth: 1,
    }),
    node({
      id: 5,
      parent: 1,
      kind: "improve",
      description: "LEARNING_RATE = 0.05",
      status: "pruned",
      pruned: true,
      run: "run_5",
      code: `${F}/run_5.py`,
      parentCode: `${F}/run_1.py`,
    }),
    node({
      id: 6,
      parent: 3,
      kind: "seed",
      description: "seed 1 of run_3",
      status: "running",
      seed: 1,
      run: "run_6",
      code: `${F}/run_6.py`,
      parentCode: `${F}/run_3.py`,
    }),
  ],
};

test("search tree: nodes nest under their parents, labelled by run and kind", () => {
  const [root, ...others] = searchTreeNodes(record);
  assert.equal(others.length, 0);
  assert.equal(root.label, "run_0 (baseline)");
  assert.deepEqual(
    root.children?.map((c) => c.label),
    ["run_1 · draft", "run_2 · draft"],
  );
  const [d1, d2] = root.children ?? [];
  assert.deepEqual(
    d1.children?.map((c) => c.label),
    ["run_3 · improve", "run_5 · improve"],
  );
  assert.deepEqual(
    d2.children?.map((c) => c.label),
    ["node 4 · debug"],
  );
  assert.deepEqual(
    d1.children?.[0].children?.map((c) => c.label),
    ["run_6 · seed 1"],
  );
});

test("search tree: metric, status, the best node and its path, pins and prunes", () => {
  const [root] = searchTreeNodes(record);
  const [d1, d2] = root.children ?? [];
  const [best, pruned] = d1.children ?? [];
  assert.equal(root.description, "val_loss 0.35 · on the best path");
  assert.equal(d1.description, "val_loss 0.33 · on the best path");
  assert.equal(best.description, "val_loss 0.31 · ★ best");
  assert.equal(best.icon?.id, "star-full");
  assert.match(best.tooltip ?? "", /Confirmed over 2 seeds: 0\.31 ± 0\.02/);
  assert.equal(d2.description, "failed: injected failure: diverged · pinned: expanded next");
  assert.equal(d2.icon?.id, "error");
  assert.equal(d2.contextValue, "searchNode.pinned");
  assert.equal(pruned.description, "pruned");
  assert.equal(pruned.contextValue, "searchNode.pruned");
  assert.equal(pruned.icon?.id, "circle-slash");
  const seed = best.children?.[0];
  assert.equal(seed?.description, "running");
  assert.equal(seed?.icon?.id, "sync~spin");
  assert.equal(d1.contextValue, "searchNode");
});

test("search tree: a click opens the diff against the parent's snapshot", () => {
  const [root] = searchTreeNodes(record);
  const best = root.children?.[0].children?.[0];
  assert.equal(best?.command?.command, "aiScientist.openNodeDiff");
  assert.deepEqual(best?.data, {
    kind: "searchNode",
    folder: F,
    node: 3,
    parent: 1,
    code: `${F}/run_3.py`,
    parentCode: `${F}/run_1.py`,
    diff: "",
  });
  const debug = root.children?.[1].children?.[0];
  assert.equal(debug?.data.kind === "searchNode" && debug.data.code, null);
});

test("search tree: a node whose parent is missing stays visible; an empty record shows nothing", () => {
  const orphan: TreeResult = {
    ...record,
    best: null,
    bestPath: [],
    nodes: [{ ...record.nodes[3], parent: 42 }],
  };
  assert.deepEqual(
    searchTreeNodes(orphan).map((n) => n.label),
    ["run_3 · improve"],
  );
  assert.deepEqual(searchTreeNodes(EMPTY), []);
  assert.deepEqual(searchTreeNodes(undefined), []);
});

test("search tree: the view's message sums the search up", () => {
  assert.equal(
    searchTreeMessage(record, "search_tiny"),
    // As the Runs view counts the folder: run_0 and the seed's run too; a debug step that never
    // ran (no run) is not a failed run.
    "search_tiny: tree search on val_loss (lower is better): 3 done · 1 failed · 1 running; best run_3 0.31",
  );
  assert.equal(searchTreeMessage(EMPTY, "x"), "x: no search recorded (no tree.json).");
});
