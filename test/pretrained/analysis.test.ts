import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { tableFromIPC, tableToIPC } from "apache-arrow";
import "../../src/ops/gradients.js";
import { evalBatches } from "../../src/data/batches.js";
// From the package index: the module that defines it differs between branches.
import { builtinDataset } from "../../src/index.js";
import { displaySymbol } from "../../src/display.js";
import { quantizeAndEvaluate } from "../../src/evaluate/sweep.js";
import { Transformer } from "../../src/model/transformer.js";
import { saveAsGpt2 } from "../../src/pretrained/export.js";
import { loadPretrained } from "../../src/pretrained/load.js";
import { layerSensitivity, sensitivityChart, sensitivityTable } from "../../src/pretrained/sensitivity.js";
import { listRevisions, measureSeries } from "../../src/pretrained/series.js";
import { textWindows } from "../../src/pretrained/tokenizer.js";
import { measureOutliers } from "../../src/track/measure.js";
import { tableOf } from "../../src/store/schemas.js";
import { Trainer } from "../../src/train/trainer.js";
import { testBackend } from "../helpers/backend.js";

const config = { vocabSize: 96, dModel: 32, nLayers: 2, nHeads: 4, dMlp: 64, context: 16 };

test("per-layer sensitivity on a tiny trained Transformer: one row per linear layer, Δloss from quantizing that layer alone", async () => {
  await testBackend();
  const data = builtinDataset();
  const model = Transformer.create(config, 2);
  const trainer = new Trainer(model, data, { steps: 40, batchSize: 8, lr: 3e-3, warmupSteps: 5, seed: 2 });
  await trainer.run();
  const windows = evalBatches(data.heldOut, 4, config.context, 2);
  const rows = await layerSensitivity(model, { name: "w4", wBits: 2 }, windows, { run: "tiny" });
  assert.deepEqual(rows.map((r) => r.name), ["h.0.attn.qkv.w", "h.0.attn.out.w", "h.0.mlp.in.w", "h.0.mlp.out.w", "h.1.attn.qkv.w", "h.1.attn.out.w", "h.1.mlp.in.w", "h.1.mlp.out.w"]);
  // Each row's loss is that of exactly one quantized layer (recomputed by hand below); 2-bit weights
  // hurt overall, though noise in one layer of a barely trained model may happen to help.
  for (const r of rows) assert.ok(Math.abs(r.deltaLoss - (r.loss - r.floatLoss)) < 1e-12 && r.floatLoss === rows[0]!.floatLoss);
  assert.ok(rows.reduce((a, r) => a + r.deltaLoss, 0) > 0, rows.map((r) => r.deltaLoss).join(", "));
  const { schemeLinear } = await import("../../src/quantize/linear.js");
  const { evaluate } = await import("../../src/evaluate/evaluate.js");
  const { floatLinear } = await import("../../src/model/linear.js");
  const q = schemeLinear({ name: "w4", wBits: 2 });
  const byHand = await evaluate(model, windows, { linear: (c) => (c.name === "h.1.mlp.in.w" ? q(c) : floatLinear(c)) });
  q.dispose();
  assert.ok(Math.abs(byHand.loss - rows.find((r) => r.name === "h.1.mlp.in.w")!.loss) < 1e-6);
  // With the head quantized too, the head gets its row; a static scheme demands calibration.
  const withHead = await layerSensitivity(model, { name: "w8", skipHead: false }, windows, { run: "tiny" });
  assert.equal(withHead.at(-1)!.name, "head.w");
  await assert.rejects(layerSensitivity(model, { name: "w8a8-tensor", mode: "static" }, windows, { run: "tiny" }), /needs calibration/);
  const stat = await layerSensitivity(model, { name: "w8a8-tensor", mode: "static" }, windows, { run: "tiny", calibration: evalBatches(data.train, 4, config.context, 1) });
  assert.equal(stat.length, 8);

  const table = tableFromIPC(tableToIPC(sensitivityTable(rows), "file"));
  assert.equal(table.schema.metadata.get("quantscope.schema"), "sensitivity");
  assert.deepEqual(table.schema.fields.map((f) => f.name), ["run", "scheme_id", "scheme", "layer", "site", "name", "loss", "float_loss", "delta_loss", "delta_pct"]);
  assert.equal(table.numRows, 8);
  assert.equal(table.getChild("name")!.get(6), "h.1.mlp.in.w");
  const bundle = sensitivityChart(rows)[displaySymbol]();
  assert.match(String(bundle["text/html"]), /<svg/);
  assert.match(String(bundle["text/plain"]), /most sensitive: h\.\d\.[\w.]+\.w \+\d/);
  trainer.dispose();
  model.dispose();
});

test("a loaded checkpoint runs measureOutliers, every scheme through quantizeAndEvaluate, and sensitivity", async () => {
  await testBackend();
  const dir = mkdtempSync(join(tmpdir(), "qs-analysis-"));
  const ours = Transformer.create(config, 6);
  const data = builtinDataset();
  await saveAsGpt2(ours, data.tokenizer, dir);
  const { model, tokenizer } = await loadPretrained(dir);
  const text = "The quick brown fox: 12+30=42; the lazy dog. ".repeat(20);
  const windows = textWindows(tokenizer!, text, { context: 16, batch: 2, count: 2 });
  const ourRows = await measureOutliers(ours, windows, "m", 0);
  const loadedRows = await measureOutliers(model, windows, "m", 0);
  // Same model, same names: every metric row matches (weights and LayerNorm gains included).
  assert.equal(loadedRows.length, ourRows.length);
  for (const r of ourRows) {
    const o = loadedRows.find((x) => x.layer === r.layer && x.site === r.site && x.metric === r.metric);
    assert.ok(o, `no ${r.metric} at ${r.site}@${r.layer}`);
    assert.ok(Math.abs(o.value - r.value) <= 1e-4 * (1 + Math.abs(r.value)), `${r.metric} ${r.site}@${r.layer}: ${o.value} vs ${r.value}`);
  }
  const schemes = [
    { name: "fp32" }, { name: "w8" }, { name: "w4-group", groupSize: 32 }, { name: "w8a8-tensor", mode: "static" }, { name: "w8a8-vector" },
    { name: "llm-int8", threshold: 6 }, { name: "smoothquant", alpha: 0.5 }, { name: "fp8", format: "e4m3" }, { name: "gptq", wBits: 4 },
  ] as const;
  const quant = await quantizeAndEvaluate(model, "m", "loaded", schemes, windows, windows.slice(0, 1));
  const ref = await quantizeAndEvaluate(ours, "m", "loaded", schemes, windows, windows.slice(0, 1));
  const loss = (rows: typeof quant) => rows.filter((r) => r.metric === "loss").map((r) => [r.scheme, r.value] as const);
  assert.equal(loss(quant).length, schemes.length);
  for (const [[s, a], [, b]] of loss(quant).map((x, i) => [x, loss(ref)[i]!] as const)) assert.ok(Math.abs(a - b) < 1e-4, `${s}: ${a} vs ${b}`);
  const sens = await layerSensitivity(model, { name: "w8a8-vector", aBits: 4 }, windows, { run: "m" });
  assert.equal(sens.length, 8);
  tableOf("traces", loadedRows as unknown as Record<string, unknown>[]);
  model.dispose();
  ours.dispose();
});

test("a checkpoint series: revisions step<N> measured in step order into traces rows", async () => {
  await testBackend();
  const root = join(mkdtempSync(join(tmpdir(), "qs-series-")), "tiny-model");
  const tok = builtinDataset().tokenizer;
  // Revisions whose outliers grow: one LayerNorm gain feature scaled up with the step.
  const steps = [300, 20, 1000];
  const expected = new Map<number, number>();
  const text = readFileSync(new URL("../../../README.md", import.meta.url), "utf8").replace(/[^\n\x20-\x7e]/g, " ");
  for (const step of steps) {
    const m = Transformer.create(config, 1);
    const g = m.params.get("h.1.ln2.g")!;
    g.assign(tf.tidy(() => tf.mul(g, tf.add(1, tf.mul(tf.oneHot(5, config.dModel), step / 50)))) as tf.Tensor1D);
    await saveAsGpt2(m, tok, join(root, `step${step}`));
    const windows = evalBatches(tok.encode(text), 4, 16, 2);
    expected.set(step, (await measureOutliers(m, windows, "x", step)).find((r) => r.metric === "ln_gain_max" && r.site === "ln")!.value);
    m.dispose();
  }
  assert.deepEqual(listRevisions(root).map((r) => r.step), [20, 300, 1000]);
  const seen: number[] = [];
  const rows = await measureSeries(root, { text, context: 16, batchSize: 4, batches: 2, onRevision: (rev) => void seen.push(rev.step) });
  assert.deepEqual(seen, [20, 300, 1000]);
  assert.ok(rows.every((r) => r.run === "tiny-model"));
  const gain = rows.filter((r) => r.metric === "ln_gain_max" && r.site === "ln");
  assert.deepEqual(gain.map((r) => r.step), [20, 300, 1000]);
  for (const r of gain) assert.ok(Math.abs(r.value - expected.get(r.step)!) < 1e-6);
  const inf = rows.filter((r) => r.metric === "max_inf_norm").map((r) => r.value);
  assert.ok(inf[0]! < inf[2]!, `max ‖x‖∞ should grow with the gain: ${inf.join(", ")}`);
  assert.equal(tableOf("traces", rows as unknown as Record<string, unknown>[]).numRows, rows.length);
  assert.throws(() => listRevisions(join(root, "step20")), /no revisions named step<N>/);
});
