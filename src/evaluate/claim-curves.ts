/**
 * Long tables behind each claim's chart, shaped for `degradationCurve` (columns recipe_label, run,
 * family, an ordered x column, metric, value, degradation_pct). Every x here is ordered (bits,
 * steps, model width), so the chart draws lines along it; seeds of one arm become error bars.
 */
import { Table, vectorFromArray, type Vector } from "apache-arrow";
import type { Claim } from "./claims.js";
import { checkpointCurve, lastTrace, sizedArms } from "./claims.js";
import { CLIFF_FAMILIES, rowSchemeKey, schemeKey, type CliffFamily } from "./cliff.js";
import type { SweepResult } from "./sweep.js";

function table(rows: Record<string, string | number>[], columns: string[]): Table {
  const cols: Record<string, Vector> = {};
  for (const c of columns) cols[c] = vectorFromArray(rows.map((r) => r[c]!));
  return new Table(cols);
}

/** Degradation (%) of held-out loss against bits, per arm and cliff family: one row per run and bit width. */
export function cliffTable(result: SweepResult, arms: readonly string[], families: readonly CliffFamily[] = CLIFF_FAMILIES): Table {
  const rows: Record<string, string | number>[] = [];
  const armOf = new Map(result.runs.map((r) => [r.run, r.recipeLabel]));
  for (const f of families) for (const bits of f.bits) {
    const key = schemeKey(f.scheme(bits));
    for (const q of result.quant) {
      const arm = armOf.get(q.run);
      if (q.metric !== "loss" || rowSchemeKey(q) !== key || !arm || !arms.includes(arm)) continue;
      rows.push({ recipe_label: arm, run: q.run, family: f.id, bits, metric: "loss", value: q.value, degradation_pct: q.degradationPct ?? NaN });
    }
  }
  return table(rows, ["recipe_label", "run", "family", "bits", "metric", "value", "degradation_pct"]);
}

/** Degradation at each checkpoint against training step, per arm (the reduced checkpoint scheme). */
export function checkpointTable(result: SweepResult, arms: readonly string[], key: string): Table {
  const rows: Record<string, string | number>[] = [];
  for (const r of result.runs) {
    if (!arms.includes(r.recipeLabel)) continue;
    for (const p of checkpointCurve(result, r.run, key)) rows.push({ recipe_label: r.recipeLabel, run: r.run, step: p.step, metric: "loss", value: p.loss, degradation_pct: p.degradation });
  }
  return table(rows, ["recipe_label", "run", "step", "metric", "value", "degradation_pct"]);
}

/** Final max ‖x‖∞ against d_model, per recipe (arms `recipe` and `recipe-d<d>` share a series). */
export function sizeTable(result: SweepResult, arms: readonly string[]): Table {
  const inf = lastTrace(result, "max_inf_norm");
  const rows: Record<string, string | number>[] = [];
  for (const r of result.runs) {
    if (!arms.includes(r.recipeLabel) || !inf.has(r.run)) continue;
    rows.push({ recipe_label: r.recipeLabel.replace(/-d\d+$/, ""), run: r.run, d_model: r.config.dModel, metric: "max_inf_norm", value: inf.get(r.run)!, degradation_pct: NaN });
  }
  return table(rows, ["recipe_label", "run", "d_model", "metric", "value", "degradation_pct"]);
}

/** The arms a claim compares (all arms for the across-run claims). */
export function armsOf(claim: Claim, all: readonly string[]): string[] {
  const t = claim.test;
  if (t.kind === "contrast") return [t.worse, t.better];
  if (t.kind === "scaling") return [...sizedArms(t.unfriendly, all), ...sizedArms(t.friendly, all)];
  return [...all];
}
