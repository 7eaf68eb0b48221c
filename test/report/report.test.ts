import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { notebookReport } from "../../cli/report.js";
import { jupyterMissing } from "../helpers/jupyter.js";
import { checkOfflineReport, haveChromium } from "../widgets/browser.js";
import { skipOrFail } from "../helpers/require-tool.js";

const missing = jupyterMissing() ?? (haveChromium() ? null : "chromium is not installed");

const cell = (source: string) => ({ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source });

test("quantscope report runs a notebook and writes HTML whose widgets render offline from file://", { timeout: 600_000 }, async (t) => {
  if (missing) return skipOrFail(t, missing);
  const dir = mkdtempSync(join(tmpdir(), "qs-report-"));
  const nbPath = join(dir, "analysis.ipynb");
  writeFileSync(nbPath, JSON.stringify({
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: "quantscope", display_name: "TypeScript (quantscope)", language: "typescript" } },
    cells: [
      cell('import { tableOf, degradationCurve, ResultsStore } from "quantscope";\n' +
        'const rows = [["w8a8-tensor/static", "W8A8 per-tensor static"], ["w8a8-vector", "W8A8 vector-wise"], ["w4-group/g32", "W4 g32"]].flatMap(([scheme_id, scheme], i) => ["friendly", "unfriendly"].map((recipe_label, j) => ({ run: recipe_label, recipe_label, scheme_id, scheme, weight_bits: 8, activation_bits: 8, granularity: "g", metric: "loss", layer: null, site: null, value: 1, float_value: 1, degradation_pct: i + j })));\n' +
        "const quant = tableOf(\"quant\", rows);\n" +
        'await new ResultsStore("results").dataset("quant").append(quant);'),
      cell('degradationCurve(quant, { x: "scheme", series: "recipe_label", metric: "loss", xScale: "category", title: "report test" })'),
    ],
  }));
  const out = notebookReport(nbPath, join(dir, "out", "report.html"));
  assert.ok(existsSync(join(dir, "out", "results", "quant")), "the notebook ran in the report's folder, so its Arrow results sit beside the report");
  for (const asset of ["require.js", "embed-amd.js", "quantscope-widgets.js"]) assert.ok(existsSync(join(dir, "out", asset)), asset);

  await checkOfflineReport(out, async (page) => {
    assert.equal(await page.locator(".js-plotly-plot .scatterlayer .trace").count(), 2, "one line per recipe");
    assert.match(await page.locator(".js-plotly-plot .gtitle").first().textContent() ?? "", /report test/);
    mkdirSync("test-artifacts", { recursive: true });
    await page.screenshot({ path: "test-artifacts/notebook-report.png", fullPage: true });
  });
});
