/**
 * What a number means: which change of a metric is better, and which values are not results.
 *
 * Contract: the template declares its metric and direction (aisci.json `metric`, sent as
 * `FolderRuns.metric`) and its sentinels (sent per run as `RunInfo.notReached`). Keys are the
 * flattened metric names of `flattenMeans` ("final_val_acc" with one data set,
 * "x_plus_y/final_val_acc" with several).
 * - `declaredKey(metric, keys)`: the key of the declared metric among `keys`, or undefined;
 * - `rankingKey(metric, keys)`: the metric a row is summarised by: the declared one, else
 *   treeModel's `keyMetric` guess (the Runs view and the Search tree use this one rule);
 * - `verdict(change, key, metric)`: "better" or "worse" for a change of the declared metric
 *   by its direction, "" (neutral) for any other metric, no change or no declaration;
 * - `notReachedOf(run)`: flattened key -> what the stand-in stands for.
 * Pure, unit-tested.
 */

import type { Means, RunInfo, SearchMetric } from "../protocol";
import { flattenMeans, keyMetric } from "./treeModel";

export type Verdict = "better" | "worse" | "";

type Declared = Pick<SearchMetric, "name" | "dataset" | "direction"> | null | undefined;

function matches(key: string, metric: NonNullable<Declared>): boolean {
  const slash = key.lastIndexOf("/");
  const name = slash < 0 ? key : key.slice(slash + 1);
  const dataset = slash < 0 ? undefined : key.slice(0, slash);
  return name === metric.name && (!metric.dataset || !dataset || dataset === metric.dataset);
}

export function declaredKey(metric: Declared, keys: string[]): string | undefined {
  return metric ? keys.find((k) => matches(k, metric)) : undefined;
}

export function rankingKey(metric: Declared, keys: string[]): string | undefined {
  return declaredKey(metric, keys) ?? keyMetric(keys);
}

export function verdict(change: number, key: string, metric: Declared): Verdict {
  if (!metric || !change || !Number.isFinite(change) || !matches(key, metric)) {
    return "";
  }
  return change > 0 === (metric.direction === "max") ? "better" : "worse";
}

export function notReachedOf(
  run: Pick<RunInfo, "means"> & { notReached?: unknown },
): Record<string, string> {
  const out: Record<string, string> = {};
  const given = (run.notReached ?? {}) as Record<string, Record<string, string>>;
  const means: Means = run.means ?? {};
  const nested = Object.values(means).filter((v) => typeof v === "object" && v !== null);
  const single = nested.length === 1;
  for (const [dataset, metrics] of Object.entries(given)) {
    for (const [metric, why] of Object.entries(metrics ?? {})) {
      out[single ? metric : `${dataset}/${metric}`] = why;
    }
  }
  return out;
}

/** The flattened means without the values that are stand-ins. */
export function measured(
  run: Pick<RunInfo, "means"> & { notReached?: unknown },
): Record<string, number> {
  const means = flattenMeans(run.means);
  for (const key of Object.keys(notReachedOf(run))) {
    delete means[key];
  }
  return means;
}
