import { test } from "node:test";
import assert from "node:assert/strict";
import { EXPERIMENTS, PAPER_RECIPES } from "../../src/evaluate/presets.js";
import { formatStat, summarize } from "../../src/evaluate/summary.js";
import { runSweep } from "../../src/evaluate/sweep.js";
import { degradationPct } from "../../src/evaluate/evaluate.js";
import { label, schemeId } from "../../src/quantize/schemes.js";
import { testBackend } from "../helpers/backend.js";

test("the CI-sized paper sweep produces every table, consistent with itself", async () => {
  await testBackend();
  const spec = EXPERIMENTS.ci;
  const perRun: string[] = [];
  const result = await runSweep(spec, { onRun: (rows) => { perRun.push(rows.runs[0]!.run); } });
  assert.deepEqual(perRun, ["unfriendly/seed0", "friendly/seed0"]);
  assert.equal(result.runs.length, 2);
  for (const r of result.runs) {
    assert.equal(r.status, "finished");
    assert.equal(result.metrics.filter((m) => m.run === r.run).length, spec.recipes[r.recipeLabel]!.steps);
    // Traces at step 0, every trackEvery steps, and the end.
    assert.deepEqual([...new Set(result.traces.filter((t) => t.run === r.run).map((t) => t.step))], [0, 20, 40]);
  }
  assert.equal(result.runs[0]!.recipe.precision, PAPER_RECIPES.unfriendly.precision);
  for (const scheme of spec.schemes) {
    const loss = result.quant.filter((q) => q.schemeId === schemeId(scheme) && q.metric === "loss");
    assert.equal(loss.length, 2, schemeId(scheme));
    for (const q of loss) {
      assert.equal(q.scheme, label(scheme));
      assert.equal(q.degradationPct, degradationPct("loss", q.floatValue!, q.value));
    }
  }
  // Weight SQNR of 4-bit weights is far below 8-bit (≈ 6 dB per bit).
  const meanW = (id: string) => {
    const rows = result.quant.filter((q) => q.schemeId === id && q.metric === "sqnr_w_db");
    return rows.reduce((a, r) => a + r.value, 0) / rows.length;
  };
  assert.ok(meanW("w8") - meanW("w4") > 15, `W8 ${meanW("w8")} dB vs W4 ${meanW("w4")} dB`);
  const summary = summarize(result);
  assert.deepEqual(summary.map((s) => s.recipe), ["unfriendly", "friendly"]);
  assert.ok(Number.isFinite(summary[0]!.maxInfNorm.mean));
  assert.match(formatStat(summary[0]!.finalLoss), /^\d+\.\d\d$/);
});
