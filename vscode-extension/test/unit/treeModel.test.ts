import assert from "node:assert/strict";
import { test } from "node:test";
import type { IdeaInfo, IdeasResult, PaperInfo, Verdict } from "../../src/protocol";
import {
  compareToBaseline,
  count,
  flattenMeans,
  formatDuration,
  ideaNodes,
  ideaTooltip,
  keyMetric,
  builtLine,
  paperNodes,
  templateNodes,
} from "../../src/views/treeModel";
import { partial, tiny } from "./fixtures";

test("means: one dataset flattens to metric names, several keep the dataset", () => {
  assert.deepEqual(flattenMeans({ sine: { train_mse: 1, val_mse: 2 } }), {
    train_mse: 1,
    val_mse: 2,
  });
  assert.deepEqual(flattenMeans({ a: { loss: 1 }, b: { loss: 2 } }), { "a/loss": 1, "b/loss": 2 });
  assert.deepEqual(flattenMeans({ loss: 3 }), { loss: 3 });
  assert.deepEqual(flattenMeans(undefined), {});
});

test("the key metric prefers a validation metric", () => {
  assert.equal(keyMetric(["train_mse", "val_mse"]), "val_mse");
  assert.equal(keyMetric(["steps", "loss"]), "loss");
  assert.equal(keyMetric(["x"]), "x");
});

test("a run against its baseline shows the relative change", () => {
  assert.equal(compareToBaseline(0.08, 0.1), "0.08 (baseline 0.1, −20%)");
  assert.equal(compareToBaseline(0.12, 0.1), "0.12 (baseline 0.1, +20%)");
  assert.equal(compareToBaseline(1, undefined), "1");
  assert.equal(formatDuration(0.84), "0.8 s");
  assert.equal(formatDuration(600), "10 min");
});

test("templates: knobs, baseline and problems in the description", () => {
  const [n] = templateNodes(
    [tiny, { ...tiny, name: "bad", path: "/ws/templates/bad", errors: 2, baseline: {} }].slice(
      0,
      1,
    ),
  );
  assert.equal(n.label, "tiny");
  assert.equal(n.description, "2 knobs · baseline: smoke");
  assert.equal(n.contextValue, "template");
  const [bad] = templateNodes([{ ...tiny, errors: 2, baseline: {} }]);
  assert.equal(bad.icon?.id, "error");
  assert.match(bad.description ?? "", /no baseline yet · 2 errors/);
});

const ideas = partial<IdeasResult>({
  template: "tiny",
  path: "/ws/results/tiny/ideas.json",
  ideas: [
    {
      name: "sweep_degree",
      title: "Polynomial degree",
      experiment: "Vary DEGREE",
      interestingness: 3,
      feasibility: 9,
      novelty: 2,
      novel: false,
      verdict: {
        label: "not novel",
        reason: "Known result",
        papers: [
          {
            title: "Bias-variance [trade] off",
            year: 1992,
            venue: "Neural Comp.",
            url: "https://example.org/p",
            similarity: 0.91,
          },
        ],
      },
      folder: "/ws/results/tiny/20250101_120000_sweep_degree",
    },
    {
      name: "sweep_lr",
      title: "LR",
      interestingness: 4,
      feasibility: 8,
      novelty: 5,
      novel: null,
      verdict: null,
      folder: null,
    },
  ],
  seeds: [{ name: "seed_one", interestingness: 1, feasibility: 1, novelty: 1 }],
});

test("ideas: scores, verdict icon, deciding papers in the tooltip", () => {
  const nodes = ideaNodes([{ template: tiny, ideas }]);
  assert.equal(nodes.length, 3); // two ideas and the seed group, flat for one template
  const [deg, lr, seeds] = nodes;
  assert.equal(deg.description, "I 3 · F 9 · N 2 · not novel (model)");
  assert.equal(deg.icon?.id, "circle-slash");
  assert.equal(deg.contextValue, "idea.withFolder");
  assert.equal(lr.icon?.id, "question");
  assert.equal(lr.contextValue, "idea");
  assert.equal(seeds.label, "Seed ideas");
  assert.equal(seeds.children?.length, 1);
  const tip = ideaTooltip(ideas.ideas[0]);
  assert.match(tip, /\*\*Verdict \(model\): not novel\*\*: Known result/);
  assert.match(
    tip,
    /\[Bias\\-variance \\\[trade\\\] off\]\(https:\/\/example\.org\/p\) \(Neural Comp\\\. 1992\), similarity 0\.91/,
  );
  assert.match(ideaTooltip(ideas.ideas[1]), /Novelty not checked yet/);
});

test("ideas: an unchecked verdict (no model) is not shown as novel", () => {
  const unchecked = partial<IdeaInfo>({
    name: "sweep_lr",
    title: "LR",
    interestingness: 3,
    feasibility: 10,
    novelty: 2,
    novel: null,
    verdict: {
      label: "unchecked (no model)",
      kind: "unchecked",
      reason: "Novelty unchecked: without a model nothing is judged.",
      papers: [{ title: "Learning rates", similarity: 0.4 }],
    },
    folder: null,
  });
  const [node] = ideaNodes([
    { template: tiny, ideas: { ...ideas, ideas: [unchecked], seeds: [] } },
  ]);
  assert.equal(node.icon?.id, "question");
  assert.equal(node.description, "I 3 · F 10 · N 2 · unchecked");
  const tip = ideaTooltip(unchecked);
  assert.match(tip, /\*\*Novelty unchecked .*no model.*\*\*: not judged by a model/);
  assert.match(tip, /Closest papers found \(not judged\)/);
  assert.doesNotMatch(tip, /Verdict|Deciding/);
  // A legacy heuristic "novel: true" without a model is not a model's verdict either.
  const [legacy] = ideaNodes([
    {
      template: tiny,
      ideas: {
        ...ideas,
        ideas: [
          {
            ...unchecked,
            novel: true,
            verdict: partial<Verdict>({ kind: "heuristic", label: "novel (heuristic)" }),
          },
        ],
        seeds: [],
      },
    },
  ]);
  assert.equal(legacy.icon?.id, "question");
  assert.match(legacy.description ?? "", /unchecked$/);
});

test("ideas of several templates are grouped by template", () => {
  const other = { ...tiny, name: "other", path: "/ws/templates/other" };
  const nodes = ideaNodes([
    { template: tiny, ideas },
    { template: other, ideas: { ...ideas, seeds: [] } },
  ]);
  assert.deepEqual(
    nodes.map((n) => n.label),
    ["tiny", "other"],
  );
  assert.equal(nodes[1].description, "2 ideas");
  assert.equal(count(1, "folder"), "1 folder");
});

test("papers: overall score, decision, missing PDF", () => {
  const [a, b] = paperNodes(
    partial<PaperInfo[]>([
      {
        folder: "/f/a",
        idea: "a",
        title: "A study",
        pdf: "/f/a/a.pdf",
        review: "/f/a/review.txt",
        scores: { Overall: 5, Clarity: 3 },
        decision: "Reject",
      },
      { folder: "/f/b", idea: "b", title: "", pdf: null, review: null, scores: {}, decision: null },
    ]),
  );
  assert.equal(a.description, "Overall 5/10 · Reject");
  assert.equal(a.contextValue, "paper.reviewed");
  assert.match(a.tooltip ?? "", /\| Clarity \| 3 \|/);
  assert.equal(b.label, "b");
  assert.equal(b.description, "no PDF yet");
  assert.equal(b.icon?.id, "file");
});

test("papers: a checklist review shows its passed checks, never a score or a decision", () => {
  const [c] = paperNodes(
    partial<PaperInfo[]>([
      {
        folder: "/f/c",
        idea: "c",
        title: "Sweep",
        pdf: "/f/c/c.pdf",
        review: "/f/c/review.json",
        kind: "checklist",
        verdict: "checks 5/5 passed, not judged",
        scores: { Overall: 6 },
        decision: "Accept",
      },
    ]),
  );
  assert.equal(c.description, "checks 5/5 passed, not judged");
  assert.doesNotMatch(c.tooltip ?? "", /Accept|Overall|\| score \|/);
  assert.match(c.tooltip ?? "", /Checklist review: checks 5\/5 passed, not judged/);
});

test("papers: the PDF of record says when it was built and when a save has not been built", () => {
  const [fresh, stale] = paperNodes(
    partial<PaperInfo[]>([
      { folder: "/f/a", idea: "a", title: "A", pdf: "/f/a/a.pdf", review: null, pdfBuiltAt: 1e9 },
      { folder: "/f/b", idea: "b", title: "B", pdf: "/f/b/b.pdf", review: null, pdfStale: true },
    ]),
  );
  assert.equal(fresh.description, "not reviewed");
  assert.match(fresh.tooltip ?? "", /PDF built .*\./);
  assert.doesNotMatch(fresh.tooltip ?? "", /older than the source/);
  assert.equal(stale.description, "PDF older than the source");
  assert.match(stale.tooltip ?? "", /older than the source/);
  assert.equal(builtLine(null, false), "");
});
