import assert from "node:assert/strict";
import { test } from "node:test";
import type { RunInfo } from "../../src/protocol";
import { declaredKey, measured, notReachedOf, rankingKey, verdict } from "../../src/views/meaning";
import { runNode } from "../../src/views/runsModel";
import { searchTreeMessage } from "../../src/views/searchTreeModel";
import { legend, resultsTable } from "../../src/webviews/results";

const ACC = { name: "final_val_acc", dataset: "x_plus_y", direction: "max" as const };
const LOSS = { name: "val_loss", dataset: null, direction: "min" as const };

function run(name: string, means: RunInfo["means"], notReached = {}): RunInfo {
  return {
    run: name,
    status: "done",
    description: "",
    means,
    durationS: 1,
    error: null,
    stderr: "",
    where: null,
    notReached,
  };
}

test("a change is better or worse by the declared direction, neutral elsewhere", () => {
  assert.equal(verdict(276, "final_val_acc", ACC), "better", "+276 % accuracy is better");
  assert.equal(verdict(-5, "final_val_acc", ACC), "worse");
  assert.equal(verdict(-25, "val_loss", LOSS), "better", "a lower loss is better");
  assert.equal(verdict(10, "val_loss", LOSS), "worse");
  assert.equal(verdict(10, "train_loss", LOSS), "", "an undeclared metric is not judged");
  assert.equal(verdict(10, "final_val_acc", null), "", "no declaration: neutral");
  assert.equal(verdict(0, "final_val_acc", ACC), "");
  // Several data sets: only the declared data set's metric is judged.
  assert.equal(verdict(3, "x_plus_y/final_val_acc", ACC), "better");
  assert.equal(verdict(3, "x_minus_y/final_val_acc", ACC), "");
  assert.equal(verdict(3, "x_minus_y/val_loss", LOSS), "worse", "no data set declared: any");
});

test("the Runs view and the Search tree rank by the declared metric, else by one guess", () => {
  const keys = ["final_train_loss", "final_val_loss", "final_val_acc"];
  assert.equal(declaredKey(ACC, keys), "final_val_acc");
  assert.equal(rankingKey(ACC, keys), "final_val_acc");
  assert.equal(rankingKey(null, keys), "final_val_loss");
});

test("a declared sentinel's stand-in is 'not reached', never a number with a change", () => {
  const why = "validation accuracy never reached 0.99";
  const baseline = run(
    "run_0",
    { x_plus_y: { final_val_acc: 0.25, step_val_acc_99: 300 } },
    {
      x_plus_y: { step_val_acc_99: why },
    },
  );
  const variant = run("run_1", { x_plus_y: { final_val_acc: 0.94, step_val_acc_99: 250 } });
  assert.deepEqual(notReachedOf(baseline), { step_val_acc_99: why });
  assert.deepEqual(measured(baseline), { final_val_acc: 0.25 });
  const html = resultsTable([baseline, variant], ACC);
  assert.match(
    html,
    /<td class="none notreached" title="300 stands for: validation accuracy never reached 0\.99">not reached<\/td>/,
  );
  assert.doesNotMatch(html, /300 ±|300 <span/);
  // run_1's 250 is a measurement, but against a baseline that never got there: no change shown.
  assert.match(html, /<td>250<\/td>/);
  // +276 % validation accuracy is better (green), not orange by its sign.
  assert.match(html, /0\.94 <span class="delta better">\+276\.0%<\/span>/);
  assert.match(html, /final_val_acc \(higher is better\)/);
  assert.match(legend(ACC), /higher is better/);
  assert.match(legend(null), /declares no metric/);
  const undeclared = resultsTable([baseline, variant], null);
  assert.match(undeclared, /0\.94 <span class="delta">\+276\.0%<\/span>/);
});

test("the Search tree counts the runs as the Runs view does", () => {
  const node = (id: number, kind: string, status: string, run: string | null) => ({
    id,
    parent: id === 0 ? null : 0,
    kind,
    description: "",
    status,
    diff: "",
    metric: status === "done" ? 0.5 + id / 10 : null,
    error: null,
    note: null,
    run,
    seed: null,
    pinned: false,
    pruned: false,
    code: null,
    parentCode: null,
    codeHash: null,
    duplicateOf: null,
    depth: 0,
  });
  const message = searchTreeMessage(
    {
      folder: "/r/t/x",
      search: "tree",
      metric: { ...ACC, source: "template (aisci.json)" },
      settings: {},
      nodes: [
        node(0, "root", "done", "run_0"),
        node(1, "draft", "done", "run_1"),
        node(2, "draft", "failed", "run_2"),
        node(3, "improve", "done", "run_3"),
        node(4, "draft", "duplicate", null),
      ] as never,
      best: 3,
      bestPath: [0, 3],
      confirmation: null,
      notes: [],
    },
    "x",
  );
  assert.equal(
    message,
    "x: tree search on final_val_acc (higher is better): 3 done · 1 failed; best run_3 0.8",
  );
});

test("the Runs view's row shows a stand-in as not reached, on the declared metric", () => {
  const why = "validation accuracy never reached 0.99";
  const declared = {
    name: "step_val_acc_99",
    dataset: null,
    direction: "min" as const,
    source: "t",
  };
  const row = runNode(
    "/r/t/x",
    run(
      "run_1",
      { x_plus_y: { val_loss: 0.3, step_val_acc_99: 300 } },
      {
        x_plus_y: { step_val_acc_99: why },
      },
    ),
    { val_loss: 0.4 },
    declared,
  );
  assert.match(row.description ?? "", /^step_val_acc_99 not reached/);
  assert.match(row.tooltip ?? "", /not reached \(validation accuracy never reached 0\\\.99\)/);
  const guessed = runNode("/r/t/x", run("run_1", { x_plus_y: { val_loss: 0.3 } }), {
    val_loss: 0.4,
  });
  assert.match(guessed.description ?? "", /^val_loss 0\.3/);
});
