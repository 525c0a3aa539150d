import assert from "node:assert/strict";
import { test } from "node:test";
import type { FolderRuns, RunInfo } from "../../src/protocol";
import { folderNode, runNodes, stderrMarkdown } from "../../src/views/runsModel";
import { partial, tiny } from "./fixtures";

const folder = partial<FolderRuns>({
  folder: "/ws/results/tiny/20250101_120000_sweep_degree",
  idea: "sweep_degree",
  running: null,
  runs: [
    {
      run: "run_0",
      status: "done",
      means: { sine: { train_mse: 0.1, val_mse: 0.2 } },
      durationS: 0.5,
    },
    {
      run: "run_1",
      status: "done",
      description: "DEGREE = 3",
      means: { sine: { train_mse: 0.12, val_mse: 0.15 } },
      durationS: 0.61,
    },
    {
      run: "run_2",
      status: "failed",
      description: "DEGREE = 9",
      error: "Run 2 failed (exit 1): NaN loss\nmore",
      stderr: "Traceback\nValueError: nan",
    },
  ],
});

test("runs: status, key mean vs baseline, duration, failure reason", () => {
  const node = folderNode(folder);
  assert.equal(node.label, "sweep_degree");
  assert.equal(node.description, "2 done · 1 failed");
  assert.match(node.tooltip ?? "", /made 2025-01-01 12:00/);
  const [r0, r1, r2] = node.children ?? [];
  assert.equal(r0.label, "run_0 (baseline)");
  assert.equal(r0.description, "val_mse 0.2 · 0.5 s");
  assert.equal(r1.description, "val_mse 0.15 −25% · 0.6 s");
  assert.match(r1.tooltip ?? "", /\| val\\_mse \| 0\.2 \| 0\.15 \|/);
  assert.equal(r2.description, "failed: Run 2 failed (exit 1): NaN loss");
  assert.equal(r2.icon?.id, "error");
  assert.match(r2.tooltip ?? "", /ValueError: nan/);
});

test("runs: a run on a cluster node says which, one on this machine says nothing", () => {
  const placed: FolderRuns = {
    ...folder,
    runs: [folder.runs[0], { ...folder.runs[1], where: "3fa2c1d0 (gpu-07)" }],
  };
  const [r0, r1] = folderNode(placed).children ?? [];
  assert.equal(r1.description, "val_mse 0.15 −25% · 0.6 s · on 3fa2c1d0 (gpu-07)");
  assert.ok((r1.tooltip ?? "").includes("Ran on 3fa2c1d0 \\(gpu\\-07\\)"), r1.tooltip);
  assert.doesNotMatch(`${r0.description} ${r0.tooltip}`, /Ran on| on /);
});

test("runs: a cancelled run keeps its row; the running one spins; long text is cut", () => {
  const node = folderNode({
    ...folder,
    running: "aisci-job-3",
    runs: [
      folder.runs[0],
      { ...folder.runs[2], error: `${"a very long reason ".repeat(10)}\nmore` },
      partial<RunInfo>({ run: "run_3", status: "cancelled", description: "DEGREE = 7", means: {} }),
      partial<RunInfo>({ run: "run_4", status: "running", means: {} }),
    ],
  });
  assert.equal(node.description, "running · 1 done · 1 failed · 1 cancelled");
  const [, failed, cancelled, running] = node.children ?? [];
  assert.equal(failed.description?.length, 48);
  assert.ok(failed.description?.endsWith("…"));
  assert.match(failed.tooltip ?? "", /a very long reason a very long reason/);
  assert.equal(cancelled.description, "cancelled");
  assert.equal(cancelled.icon?.id, "circle-slash");
  assert.equal(cancelled.contextValue, "run.cancelled");
  assert.match(cancelled.tooltip ?? "", /DEGREE = 7[\s\S]*folder and logs are kept/);
  assert.equal(running.icon?.id, "sync~spin");
  assert.equal(running.description, "running");
});

test("runs: baseline folders sort last and a running folder spins", () => {
  const base = partial<FolderRuns>({
    folder: "/ws/results/tiny/baseline_smoke",
    idea: null,
    runs: [folder.runs[0]],
  });
  const nodes = runNodes([
    { template: tiny, folders: [base, { ...folder, running: "aisci-job-2" }] },
  ]);
  assert.deepEqual(
    nodes.map((n) => n.label),
    ["sweep_degree", "baseline (smoke)"],
  );
  assert.equal(nodes[0].icon?.id, "sync~spin");
  assert.match(nodes[0].description ?? "", /^running/);
  assert.equal(nodes[1].contextValue, "folder.baseline");
});

test("runs: the baseline of a template without scales is a baseline too, named after no scale", () => {
  const base = partial<FolderRuns>({
    folder: "/ws/results/seir_like/baseline",
    idea: null,
    runs: [folder.runs[0]],
  });
  const nodes = runNodes([{ template: { ...tiny, name: "seir_like" }, folders: [base, folder] }]);
  assert.deepEqual(
    nodes.map((n) => n.label),
    ["sweep_degree", "baseline (no scales: whole study)"],
  );
  assert.equal(nodes[1].contextValue, "folder.baseline");
});

test("a run's stderr: a log path is named, text is quoted by its tail", () => {
  assert.equal(
    stderrMarkdown("/ws/results/t/x/run_2/stderr.log"),
    "\n\nLog: `/ws/results/t/x/run_2/stderr.log`",
  );
  const quoted = stderrMarkdown(Array.from({ length: 20 }, (_, i) => `line ${i}`).join("\n"));
  assert.ok(quoted.includes("line 19") && !quoted.includes("line 7\n"));
  assert.equal(stderrMarkdown(null), "");
});
