/**
 * One line saying what a finished server command produced (docs/lsp.md §2, results).
 *
 * Contract: `summarise(command, result)` returns `{ok, text}`: ok false when the result says
 * `ok: false` (a stage that ran and did not succeed: shown as a warning), else a short
 * information line. Unknown shapes fall back to the result's `message`. `nextSteps(command,
 * result)` gives the buttons of that line: the natural next commands, with the folder or
 * template they are about. `commandTitle(id)` names a server command in words. Pure,
 * unit-tested.
 */

import * as path from "path";
import { flattenMeans, formatDuration, formatNumber } from "./views/treeModel";

export interface Summary {
  ok: boolean;
  text: string;
}

type R = Record<string, unknown>;

const s = (x: unknown) => (typeof x === "string" ? x : "");
const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);

export function summarise(command: string, raw: unknown): Summary {
  const r = (typeof raw === "object" && raw !== null ? raw : {}) as R;
  const ok = r.ok !== false;
  const folder = s(r.folder) ? path.basename(s(r.folder)) : "";
  const msg = s(r.message);
  switch (command) {
    case "aisci.runBaseline": {
      const means = flattenMeans(r.means as never);
      const shown = Object.entries(means)
        .slice(0, 3)
        .map(([k, v]) => `${k} ${formatNumber(v)}`)
        .join(", ");
      const how = r.reused ? "reused" : `done in ${formatDuration(r.durationS as number)}`;
      return { ok, text: `Baseline ${how}${shown ? `: ${shown}` : ""} (${folder}).` };
    }
    case "aisci.generateIdeas": {
      const ideas = arr(r.ideas).map(String);
      return {
        ok,
        text: ideas.length
          ? `${ideas.length} new idea(s): ${ideas.join(", ")}.`
          : msg || "No new idea.",
      };
    }
    case "aisci.checkNovelty": {
      const ideas = arr(r.ideas) as R[];
      const parts = ideas.map((i) => `${s(i.name)} ${i.novel ? "novel" : "not novel"}`);
      return {
        ok,
        text: parts.length
          ? `Novelty: ${parts.join(", ")}.`
          : msg || "No idea needed a novelty check.",
      };
    }
    case "aisci.runExperiments": {
      const runs = arr(r.runs) as R[];
      const failed = runs.filter((x) => x.error).length;
      return {
        ok,
        text: `${folder}: ${runs.length} run(s)${failed ? `, ${failed} failed` : ""}. ${msg}`.trim(),
      };
    }
    case "aisci.makePlots":
      return { ok, text: `${folder}: ${arr(r.figures).length} figure(s). ${msg}`.trim() };
    case "aisci.draftPaper":
      return { ok, text: `${folder}: ${msg || "drafted"}.` };
    case "aisci.buildPaper": {
      const errors = Number(r.errors ?? 0);
      return {
        ok: ok && Boolean(r.pdf),
        text: r.pdf
          ? `PDF built: ${path.basename(s(r.pdf))}${errors ? ` (${errors} LaTeX error(s), see Problems)` : ""}.`
          : `${folder}: no PDF came out (${errors} error(s)); see the Problems panel.`,
      };
    }
    case "aisci.checkConsistency": {
      const n = arr(r.mismatches).length;
      return {
        ok,
        text: n
          ? `${n} number(s) in the paper do not match the runs (see Problems).`
          : "Every number checked matches the runs.",
      };
    }
    case "aisci.review":
    case "aisci.improve": {
      const review = (r.review ?? {}) as R;
      if (r.reviewKind === "checklist" || review.Kind === "checklist") {
        // A checklist counts passed checks; it has no decision and no score to show.
        const verdict = s(r.verdict) || s(review.Verdict) || "checklist, not judged";
        return { ok, text: `${folder}: checklist review, ${verdict}. ${msg}`.trim() };
      }
      const overall = review.Overall ?? review.overall;
      const decision = s(r.decision) || s(review.Decision);
      return {
        ok,
        text: `${folder}: review ${typeof overall === "number" || typeof overall === "string" ? `Overall ${overall}` : ""}${decision ? `, ${decision}` : ""}. ${msg}`.trim(),
      };
    }
    case "aisci.launch": {
      const ideas = arr(r.ideas) as R[];
      const good = ideas.filter((i) => i.ok).length;
      return {
        ok,
        text: `Launch finished: ${ideas.length} idea(s), ${good} completed. ${msg}`.trim(),
      };
    }
    case "aisci.checkTemplate": {
      const problems = arr(r.problems);
      return {
        ok,
        text: problems.length
          ? `${problems.length} problem(s) in the template (see Problems).`
          : "The template passes the check.",
      };
    }
    default:
      return { ok, text: msg || `${command} finished.` };
  }
}

const TITLES: Record<string, string> = {
  "aisci.checkTemplate": "Check Template",
  "aisci.runBaseline": "Run Baseline",
  "aisci.generateIdeas": "Generate Ideas",
  "aisci.checkNovelty": "Check Novelty",
  "aisci.runExperiments": "Run Experiments",
  "aisci.makePlots": "Make Plots",
  "aisci.draftPaper": "Draft Paper",
  "aisci.buildPaper": "Build Paper",
  "aisci.checkConsistency": "Check Numbers in Paper",
  "aisci.reproduce": "Reproduce Paper's Results",
  "aisci.review": "Review Paper",
  "aisci.improve": "Improve Paper",
  "aisci.launch": "Launch",
  "aisci.draftTemplate": "Draft Template",
};

/** "Run Baseline" for "aisci.runBaseline"; the id itself when unknown. */
export function commandTitle(command: string): string {
  return TITLES[command] ?? command;
}

export interface NextStep {
  /** The button. */
  label: string;
  /** The extension command it runs, with `arg`. */
  command: string;
  arg?: object;
}

/** The buttons after a finished command: what a researcher usually does next. */
export function nextSteps(
  command: string,
  raw: unknown,
  args: Record<string, unknown> = {},
): NextStep[] {
  const r = (typeof raw === "object" && raw !== null ? raw : {}) as R;
  if (r.ok === false) {
    return [];
  }
  const folder = s(r.folder) || s(args.folder);
  const template = s(args.template);
  const onFolder = (label: string, cmd: string): NextStep => ({
    label,
    command: `aiScientist.${cmd}`,
    arg: folder ? { folder } : undefined,
  });
  const onTemplate = (label: string, cmd: string): NextStep => ({
    label,
    command: `aiScientist.${cmd}`,
    arg: template ? { template } : undefined,
  });
  switch (command) {
    case "aisci.runBaseline":
      return [onTemplate("Launch", "launch"), onTemplate("Generate Ideas", "generateIdeas")];
    case "aisci.generateIdeas":
      return [
        onTemplate("Check Novelty", "checkNovelty"),
        onTemplate("Run Experiments", "runExperiments"),
      ];
    case "aisci.checkNovelty":
      return [onTemplate("Run Experiments", "runExperiments")];
    case "aisci.runExperiments":
      return [onFolder("Show Results", "showResults"), onFolder("Make Plots", "makePlots")];
    case "aisci.makePlots":
      return [
        onFolder("Show Results", "showResults"),
        onFolder("Draft Next Section", "draftNextSection"),
      ];
    case "aisci.buildPaper":
      return [onFolder("Review Paper", "review")];
    case "aisci.review":
      return [
        onFolder("Improve Paper", "improve"),
        onFolder("Open Paper Preview", "openPaperPreview"),
      ];
    case "aisci.improve":
      return [onFolder("Open Paper Preview", "openPaperPreview")];
    case "aisci.launch": {
      const first = (arr(r.ideas) as R[]).find((i) => s(i.folder));
      const f = first ? s(first.folder) : "";
      return f
        ? [
            { label: "Show Results", command: "aiScientist.showResults", arg: { folder: f } },
            {
              label: "Open Paper Preview",
              command: "aiScientist.openPaperPreview",
              arg: { folder: f },
            },
          ]
        : [];
    }
    case "aisci.checkTemplate":
      return [onTemplate("Run Baseline", "runBaseline")];
    default:
      return [];
  }
}
