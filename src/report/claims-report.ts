import { mkdirSync } from "node:fs";
import { armsOf, checkpointTable, cliffTable, sizeTable } from "../evaluate/claim-curves.js";
import { claimTable, PRIMARY_MEASURE, type ClaimOutcome } from "../evaluate/claims.js";
import { CLIFF_THRESHOLD_PCT, schemeKey } from "../evaluate/cliff.js";
import { label } from "../quantize/schemes.js";
import type { SweepResult } from "../evaluate/sweep.js";
import { escapeHtml } from "../display.js";
import { writeEmbeddedPage } from "../widgets/embed.js";
import { degradationCurve, type DegradationCurve } from "../widgets/widgets.js";

/**
 * Writes the claims report into `dir`: the claim table (paper, ours with 95% intervals, verdict),
 * then one section per claim with its chart (seed means with ±1 sd bars, lines only along bits,
 * steps or model width) and its verdict. Opens offline from `file://`.
 */
export async function writeClaimsReport(dir: string, result: SweepResult, outcomes: readonly ClaimOutcome[], opts: { title?: string; headline?: string } = {}): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const arms = [...new Set(result.runs.map((r) => r.recipeLabel))];
  const primary = PRIMARY_MEASURE.family.scheme(PRIMARY_MEASURE.bits);
  const key = schemeKey(primary);
  const rows = claimTable(outcomes);
  const intro = `
${opts.headline ? `<p><b>${escapeHtml(opts.headline)}</b></p>` : ""}
<p>${result.runs.length} training runs over ${arms.length} arms. Effects are differences of per-seed means with 95% Welch t
intervals (contrasts) or Spearman correlations with seeded bootstrap intervals; the verdict is computed from the interval:
<i>reproduced</i> when it excludes 0 in the paper's direction, <i>opposite</i> when it excludes 0 the other way, otherwise
<i>inconclusive</i> at the number of seeds run. The primary endpoint is held-out loss degradation under ${escapeHtml(label(primary))};
bits to cliff is the fewest activation bits (per tensor) whose degradation stays below ${CLIFF_THRESHOLD_PCT}%.
Matched comparisons take each run at the first checkpoint where its held-out float loss reaches the highest of the runs' best losses.</p>
<table class="quantscope-table"><thead><tr><th>claim</th><th>paper</th><th>ours (95% interval)</th><th>verdict</th></tr></thead><tbody>
${rows.map((r) => `<tr><td>${escapeHtml(r.claim)}</td><td>${escapeHtml(r.paper)}</td><td>${escapeHtml(r.ours)}</td><td>${escapeHtml(r.verdict)}</td></tr>`).join("\n")}
</tbody></table>`;
  const widgets: DegradationCurve[] = [];
  const captions: string[] = [];
  for (const o of outcomes) {
    const t = o.claim.test;
    const mine = armsOf(o.claim, arms).filter((a) => arms.includes(a));
    const verdict = rows.find((r) => r.claim.startsWith(o.claim.id + " "))!.verdict;
    const title = `${o.claim.id} ${o.claim.title}: ${verdict}`;
    if (t.kind === "contrast") widgets.push(degradationCurve(cliffTable(result, mine), { x: "bits", series: ["recipe_label", "family"], metric: "loss", title: "held-out loss degradation (%) against bits" }));
    else if (t.kind === "scaling") widgets.push(degradationCurve(sizeTable(result, mine), { x: "d_model", series: "recipe_label", metric: "max_inf_norm", y: "value", yScale: "log", title: "final max ‖x‖∞ against d_model" }));
    else widgets.push(degradationCurve(checkpointTable(result, mine, key), { x: "step", series: "recipe_label", metric: "loss", title: `degradation under ${label(primary)} at checkpoints` }));
    captions.push(`${title} — ${o.ours}`);
  }
  return writeEmbeddedPage(dir, widgets, { name: "report.html", title: opts.title ?? "quantscope — the paper's claims", intro, captions });
}
