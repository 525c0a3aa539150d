/**
 * Step-by-step drafting: which section of an idea's paper comes next.
 *
 * Contract: the paper stage records each drafted section as the step `writeup.<Section>` in
 * the idea folder's `state.json` (server/aisci/paper/stages.py), in the order below;
 * `nextSection(state)` is the first section without such a step, or undefined when all are
 * drafted. `ideaFolderOf(file)` finds the idea folder of a file inside it (the nearest
 * ancestor under `results/<template>/` named `<stamp>_<idea>`). Pure, unit-tested.
 */

import * as path from "path";

export const SECTIONS = [
  "Title",
  "Abstract",
  "Introduction",
  "Background",
  "Method",
  "Experimental Setup",
  "Results",
  "Conclusion",
  "Related Work",
] as const;

export function nextSection(state: unknown): string | undefined {
  const steps =
    typeof state === "object" &&
    state !== null &&
    typeof (state as { steps?: unknown }).steps === "object"
      ? ((state as { steps: Record<string, unknown> }).steps ?? {})
      : {};
  return SECTIONS.find((s) => !(`writeup.${s}` in steps));
}

const IDEA_FOLDER = /^\d{8}_\d{6}_.+/;

export function ideaFolderOf(file: string): string | undefined {
  let dir = path.dirname(file);
  for (let i = 0; i < 8; i++) {
    if (IDEA_FOLDER.test(path.basename(dir))) {
      return dir;
    }
    const up = path.dirname(dir);
    if (up === dir) {
      break;
    }
    dir = up;
  }
  return undefined;
}
