import assert from "node:assert/strict";
import { test } from "node:test";
import { ideaFolderOf, nextSection } from "../../src/sections";

test("the next section is the first one without a writeup step", () => {
  assert.equal(nextSection({ steps: {} }), "Title");
  assert.equal(
    nextSection({ steps: { "writeup.Title": {}, "writeup.Abstract": {} } }),
    "Introduction",
  );
  assert.equal(
    nextSection({ steps: { "writeup.Title": {}, "writeup.Introduction": {} } }),
    "Abstract",
  );
});

test("all drafted: undefined; a missing or odd state: start at Title", () => {
  const all = Object.fromEntries(
    [
      "Title",
      "Abstract",
      "Introduction",
      "Background",
      "Method",
      "Experimental Setup",
      "Results",
      "Conclusion",
      "Related Work",
    ].map((s) => [`writeup.${s}`, {}]),
  );
  assert.equal(nextSection({ steps: all }), undefined);
  assert.equal(nextSection(undefined), "Title");
  assert.equal(nextSection("nonsense"), "Title");
});

test("the idea folder of a file inside it", () => {
  assert.equal(
    ideaFolderOf("/ws/results/tiny/20250101_120000_sweep_degree/latex/template.tex"),
    "/ws/results/tiny/20250101_120000_sweep_degree",
  );
  assert.equal(ideaFolderOf("/ws/templates/tiny/latex/template.tex"), undefined);
});
