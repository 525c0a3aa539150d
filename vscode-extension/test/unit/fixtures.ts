// Answers the unit tests of the views share.
import type { TemplateInfo } from "../../src/protocol";

/**
 * An answer as an older or partial server sent it (fields missing, or null where protocol.ts says
 * the server always sends a value): the views still tolerate it, and the tests keep checking so.
 */
export function partial<T>(value: object): T {
  return value as T;
}

export const tiny: TemplateInfo = {
  name: "tiny",
  path: "/ws/templates/tiny",
  ok: true,
  errors: 0,
  warnings: 0,
  knobs: ["learning_rate", "degree"],
  baseline: { smoke: "/ws/results/tiny/baseline_smoke" },
};
