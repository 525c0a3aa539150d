import assert from "node:assert/strict";
import { test } from "node:test";
import type { PreviewReady } from "../../src/protocol";
import { bannerOf } from "../../src/webviews/buildNotice";

const failed: PreviewReady = {
  folder: "/r/20260101_120000_wd",
  tex: "/r/20260101_120000_wd/latex/template.tex",
  pdf: "/r/20260101_120000_wd/wd.pdf",
  ok: false,
  diagnostics: 4,
  errors: 3,
  durationS: 1.2,
  builtAt: 1765000000,
  stale: true,
  firstError: {
    message: "Undefined control sequence \\foo.",
    file: "/r/20260101_120000_wd/latex/template.tex",
    line: 12,
  },
  missing: [],
  install: null,
};

test("a failed build's banner names its first error, links its line, says the PDF is older", () => {
  const b = bannerOf(failed);
  assert.equal(
    b.text,
    "The build failed: Undefined control sequence \\foo (and 2 more in the Problems panel). The preview shows the last good build.",
  );
  assert.equal(b.file, failed.tex);
  assert.equal(b.line, 12);
  assert.equal(b.link, "Open template.tex:12");
});

test("with no PDF of record and no build at all, the banner gives the reason without a link", () => {
  const b = bannerOf({
    ...failed,
    pdf: null,
    errors: 1,
    firstError: { message: "LaTeX is not installed", file: failed.tex, line: null },
    error: "LaTeX is not installed: latexmk not found on PATH.",
  });
  assert.equal(b.text, "The build failed: LaTeX is not installed: latexmk not found on PATH.");
  assert.equal(b.link, "Open template.tex");
  assert.equal(
    bannerOf({ ...failed, firstError: null, errors: 0 }).text.includes("Problems"),
    true,
  );
});
