/**
 * SyncTeX both ways, with TeX Live's `synctex` command on the `.synctex.gz` latexmk writes
 * (`-synctex=1`, paper/build.py).
 *
 * Contract: `synctexView(pdf, tex, line, column)` (source → PDF) gives `{page, x, y, w, h}` in
 * PDF points from the page's top left (the box around the line); `synctexEdit(pdf, page, x,
 * y)` (PDF → source) gives `{file, line, column}` (1-based line, column ≥ 0). Either gives
 * `{error}` saying why not (no synctex, no record, no match). `parseSynctex` reads the tool's
 * `Key:value` lines; pure, unit-tested. The preview passes its PDF of record (`<idea>.pdf`):
 * the build keeps `<idea>.synctex.gz` beside it, so a mark is computed for the PDF shown.
 */

import * as cp from "child_process";
import * as path from "path";

export type ViewResult =
  { page: number; x: number; y: number; w: number; h: number } | { error: string };
export type EditResult = { file: string; line: number; column: number } | { error: string };

/** The first record of `synctex`'s output, as key → value. */
export function parseSynctex(output: string): Record<string, string> {
  const record: Record<string, string> = {};
  for (const line of output.split("\n")) {
    const m = /^(\w+):(.*)$/.exec(line.trim());
    if (m && !(m[1] in record)) {
      record[m[1]] = m[2];
    }
  }
  return record;
}

/** The LaTeX folder of a paper's .tex: its own folder. */
export function latexDirOf(tex: string): string {
  return path.dirname(tex);
}

function run(args: string[], cwd: string): Promise<{ out: string; error?: string }> {
  return new Promise((resolve) => {
    cp.execFile("synctex", args, { cwd, timeout: 10_000 }, (error, stdout, stderr) => {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      if (code === "ENOENT") {
        resolve({
          out: "",
          error: "the synctex command is not installed (it comes with TeX Live)",
        });
      } else {
        resolve({
          out: stdout,
          error: error ? (stderr.trim().split("\n").pop() ?? error.message) : undefined,
        });
      }
    });
  });
}

export async function synctexView(
  pdf: string,
  tex: string,
  line: number,
  column: number,
): Promise<ViewResult> {
  const { out, error } = await run(
    ["view", "-i", `${line}:${column}:${tex}`, "-o", pdf],
    path.dirname(pdf),
  );
  const r = parseSynctex(out);
  const page = Number(r.Page);
  if (!Number.isFinite(page) || page < 1) {
    return { error: error ?? "no SyncTeX record for it (build the paper first)" };
  }
  const h = Number(r.h);
  const v = Number(r.v);
  const W = Number(r.W);
  const H = Number(r.H);
  return { page, x: h, y: v - H, w: W, h: Math.max(H, 8) };
}

export async function synctexEdit(
  pdf: string,
  page: number,
  x: number,
  y: number,
): Promise<EditResult> {
  const { out, error } = await run(
    ["edit", "-o", `${page}:${x.toFixed(2)}:${y.toFixed(2)}:${pdf}`],
    path.dirname(pdf),
  );
  const r = parseSynctex(out);
  const line = Number(r.Line);
  if (!r.Input || !Number.isFinite(line) || line < 1) {
    return { error: error ?? "no SyncTeX record for that spot (build the paper first)" };
  }
  return { file: path.normalize(r.Input), line, column: Math.max(0, Number(r.Column) || 0) };
}
