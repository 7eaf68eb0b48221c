import { mkdirSync } from "node:fs";
import type { SweepResult } from "../evaluate/sweep.js";
import { compareRecipes, formatStat, summarize } from "../evaluate/summary.js";
import { escapeHtml } from "../display.js";
import { tableToHTML } from "../store/html.js";
import { ResultsStore } from "../store/results.js";
import { frame, where, toArrow } from "../store/query.js";
import { degradationCurve, outlierTrace, tableView } from "../widgets/widgets.js";
import { writeEmbeddedPage } from "../widgets/embed.js";

export interface ReportOptions {
  readonly title?: string;
  /** File name inside the folder (default `report.html`). */
  readonly name?: string;
}

/**
 * Writes an offline HTML report of a sweep into `dir`: the per-recipe summary and the findings
 * computed from it, then interactive widgets (degradation by scheme, outlier metrics over training,
 * the quantization table). Widget assets are copied beside the page, so it opens from `file://`
 * with no network. Reads the tables back from the results store in `dir` when `result` is omitted.
 */
export async function writeReport(dir: string, result: SweepResult, opts: ReportOptions = {}): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const store = new ResultsStore(dir);
  const quant = await store.read("quant");
  const traces = await store.read("traces");
  const summary = summarize(result);
  const schemes = [...new Set(result.quant.map((q) => q.schemeId))];
  const findings = summary.length === 2 ? compareRecipes(summary[0]!, summary[1]!, schemes) : [];
  const summaryRows = frame(toArrow(frame(quant).filter("d => d.metric === 'loss'").select("recipe_label", "scheme", "degradation_pct")));
  const intro = `
<p>${result.runs.length} training runs (${[...new Set(result.runs.map((r) => escapeHtml(r.recipeLabel)))].join(", ")}), ${schemes.length} schemes.
Numbers are means over seeds (± sample standard deviation where there is more than one seed).</p>
<h3>Summary</h3>
<table class="quantscope-table"><thead><tr><th>recipe</th><th>seeds</th><th>final loss</th><th>max ‖x‖∞</th><th>avg kurtosis</th><th>LN gain std</th></tr></thead><tbody>
${summary.map((s) => `<tr><td>${escapeHtml(s.recipe)}</td><td>${s.seeds}</td><td>${formatStat(s.finalLoss, 3)}</td><td>${formatStat(s.maxInfNorm, 1)}</td><td>${formatStat(s.avgKurtosis)}</td><td>${formatStat(s.lnGainStd, 3)}</td></tr>`).join("\n")}
</tbody></table>
${findings.length ? `<h3>Findings (computed from the data)</h3><ul>${findings.map((f) => `<li>${escapeHtml(f)}</li>`).join("")}</ul>` : ""}
<h3>Held-out loss degradation by scheme (%)</h3>
${tableToHTML(summaryRows, { maxRows: 100 })}
<p>Arrow tables beside this file: <code>runs/</code>, <code>metrics/</code>, <code>traces/</code>, <code>quant/</code>.</p>`;
  const widgets = [
    degradationCurve(toArrow(where(quant, { metric: "loss" })), { x: "scheme", series: "recipe_label", metric: "loss", xScale: "category", title: "Held-out loss degradation by scheme" }),
    outlierTrace(toArrow(where(traces, { layer: -1 })), { metrics: ["max_inf_norm", "avg_kurtosis", "outlier_dims_sigma", "ln_gain_std"], layer: -1, title: "Outliers during training" }),
    tableView(quant),
  ];
  return writeEmbeddedPage(dir, widgets, {
    name: opts.name ?? "report.html",
    title: opts.title ?? "quantscope report",
    intro,
    captions: ["Degradation", "Outlier metrics over training", "All quantization results"],
  });
}
