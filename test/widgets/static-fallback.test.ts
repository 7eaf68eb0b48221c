/** The static text/html fallback and the kernel-side shaping, without a browser. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { tableFromIPC } from "apache-arrow";
import { degradationLines, outlierPanels, pickMetrics, heatmapMatrix } from "../../src/widgets/data.js";
import { embedHTML, widgetState } from "../../src/widgets/embed.js";
import { esmShim, MODULE_NAME, MODULE_VERSION, specFor } from "../../src/widgets/spec.js";
import {
  decimate, degradationFallback, degradationState, monitorFallback, monitorState, monitorTable, outlierFallback, outlierState,
  tableFallback, tableState,
} from "../../src/widgets/state.js";
import { lineChartSVG } from "../../src/widgets/svg.js";
import { DEFAULT_CURVE_X } from "../../src/widgets/columns.js";
import { schemaOf } from "../../src/store/index.js";
import { BITS, heatmap, outlierTraces, quantResults, RUNS, TRACE_STEPS, trainingMetrics } from "./fixtures.js";
import { readFileSync } from "node:fs";

const polylines = (svg: string) => (svg.match(/<polyline /g) ?? []).length;

test("module name and version match package.json", () => {
  const pkg = JSON.parse(readFileSync("package.json", "utf8"));
  assert.equal(MODULE_NAME, "quantscope-widgets");
  assert.equal(MODULE_VERSION, pkg.version);
  const { spec, extra } = specFor("DegradationCurve", "jupyter-widgets");
  assert.deepEqual(spec, {
    modelName: "DegradationCurveModel", modelModule: MODULE_NAME, modelModuleVersion: MODULE_VERSION,
    viewName: "DegradationCurveView", viewModule: MODULE_NAME, viewModuleVersion: MODULE_VERSION,
  });
  assert.equal(extra._qs_kind, "DegradationCurve");
});

test("anywidget mode stores a tiny _esm shim, not the bundle", () => {
  const { spec, extra } = specFor("OutlierTrace", "anywidget");
  assert.equal(spec.modelModule, "anywidget");
  assert.equal(spec.modelName, "AnyModel");
  assert.equal(extra._qs_kind, "OutlierTrace");
  assert.ok(String(extra._esm).length < 400);
  assert.match(esmShim("/files/x.js"), /import\(new URL\("\/files\/x\.js", document\.baseURI\)\.href\)/);
});

test("degradation series: one line per run, sorted by weight_bits, filtered by metric", () => {
  const t = quantResults();
  const { lines, categorical } = degradationLines(t, { x: "weight_bits", series: "run", metric: "loss", y: "degradation_pct" });
  assert.equal(categorical, false);
  assert.deepEqual(lines.map((l) => l.name), RUNS);
  for (const l of lines) assert.deepEqual(l.x, BITS);
  assert.equal(lines[0].y[0], 20); // baseline, 3 bits: 40 / 2^(3-2)
  const byScheme = degradationLines(t, { x: "scheme", series: ["run", "weight_decay"], metric: "accuracy", y: "value" });
  assert.equal(byScheme.categorical, true);
  assert.equal(byScheme.lines[1].name, "wd0.1 / 0.1");
});

test("DegradationCurve's default x is a column of the quant table, non-null in every row", () => {
  const quant = schemaOf("quant").fields.find((f) => f.name === DEFAULT_CURVE_X);
  assert.ok(quant, `the quant table has no column ${DEFAULT_CURVE_X}`);
  assert.equal(quant.nullable, false);
  assert.equal(degradationState(quantResults()).x, DEFAULT_CURVE_X);
});

test("state carries the table as Arrow IPC bytes, not JSON", () => {
  const t = quantResults();
  const s = degradationState(t);
  assert.ok(s.data instanceof Uint8Array);
  assert.equal(tableFromIPC(s.data as Uint8Array).numRows, t.numRows);
  assert.equal(s.metric, "loss");
  assert.equal(s.series, "run");
  const doc = widgetState([{ id: "a", ...specFor("DegradationCurve", "jupyter-widgets"), state: s }]);
  const entry = doc.state.a as { state: Record<string, unknown>; buffers: { path: string[]; data: string }[] };
  assert.equal(entry.state.data, undefined);
  assert.deepEqual(entry.buffers.map((b) => b.path), [["data"]]);
  assert.equal(tableFromIPC(Buffer.from(entry.buffers[0].data, "base64")).numRows, t.numRows);
  assert.equal(entry.state._model_module, "quantscope-widgets");
});

test("fallback: DegradationCurve is inline SVG with one polyline per run and axis titles", () => {
  const t = quantResults();
  const html = degradationFallback(t, degradationState(t));
  assert.doesNotMatch(html, /<script/i);
  assert.equal(polylines(html), RUNS.length);
  assert.equal((html.match(/<circle /g) ?? []).length, RUNS.length * BITS.length);
  assert.match(html, /class="qs-xtitle">scheme</);
  assert.match(html, /degradation of loss \(%\)/);
  assert.ok(html.length < 20_000, `fallback is ${html.length} bytes`);
});

test("fallback: OutlierTrace panels and heat map; TrainingMonitor; TableView", () => {
  const tr = outlierTraces();
  const html = outlierFallback(tr, heatmap(), outlierState(tr));
  assert.equal((html.match(/<svg /g) ?? []).length, 4);
  assert.equal(polylines(html), 3 * 2);
  assert.match(html, /qs-static-heatmap/);
  const pts = Array.from({ length: 30 }, (_, i) => ({ step: i + 1, loss: 1 / (i + 1), lr: 1e-3, outliers: i % 3, elapsed_s: i }));
  const mon = monitorFallback(pts, monitorState(pts, { total: 60 }));
  assert.equal(polylines(mon), 3);
  assert.match(mon, /step 30 \/ 60/);
  const tv = tableFallback(trainingMetrics(50), tableState(trainingMetrics(50)));
  assert.equal((tv.match(/<tr>/g) ?? []).length, 1 + 20);
  assert.match(tv, /showing 20 of 50 rows/);
});

test("outlier panels pick whole-model metrics and aggregate layers", () => {
  assert.deepEqual(pickMetrics(["rms", "max_abs", "kurtosis", "outlier_dims", "max_kurtosis"]), ["outlier_dims", "max_kurtosis", "max_abs"]);
  const panels = outlierPanels(outlierTraces());
  assert.deepEqual(panels.map((p) => p.metric), ["outlier_dims", "max_kurtosis", "max_abs"]);
  const maxAbs = panels[2].lines[0];
  assert.deepEqual(maxAbs.x, TRACE_STEPS);
  assert.equal(maxAbs.y[5], 2 + 250 * 0.02 * 2); // max over layers 0 and 1
  const layer0 = outlierPanels(outlierTraces(), ["max_abs"], "0")[0].lines[0];
  assert.equal(layer0.y[5], 2 + 250 * 0.02);
  const h = heatmapMatrix(heatmap());
  assert.deepEqual(h.layers, ["L0", "L1", "L2"]);
  assert.ok(Math.abs(h.z[2][7]! - 16.6) < 1e-5); // the planted outlier feature
});

test("monitor history: Arrow columns, decimation keeps the last point", () => {
  const pts = Array.from({ length: 5000 }, (_, i) => ({ step: i, loss: i }));
  const d = decimate(pts, 2000);
  assert.ok(d.length <= 2001);
  assert.equal(d[d.length - 1].step, 4999);
  const t = monitorTable(d);
  assert.deepEqual(t.schema.fields.map((f) => f.name), ["step", "loss", "lr", "outliers", "elapsed_s"]);
  assert.ok(Number.isNaN(t.getChild("lr")!.get(0)));
});

test("svg: no data, categorical x, log y, escaping", () => {
  assert.match(lineChartSVG([]), /no data/);
  const s = lineChartSVG([{ name: "<b>", x: ["int4", "int8"], y: [10, 1] }], { categorical: true, logY: true, title: "a&b" });
  assert.match(s, />int4</);
  assert.match(s, /&lt;b&gt;/);
  assert.match(s, /a&amp;b/);
});

test("embedHTML: local scripts only, views for each widget, no raw '<' inside the state", () => {
  const html = embedHTML([{ id: "w1", ...specFor("TableView", "jupyter-widgets"), state: { ...tableState(trainingMetrics(3)), title: "</script>" } }]);
  assert.doesNotMatch(html, /https?:\/\//);
  assert.match(html, /<script src="require\.js">/);
  assert.match(html, /<script src="embed-amd\.js"/);
  assert.match(html, /"model_id":"w1"/);
  assert.equal(html.match(/<\/script>/g)!.length, 5);
});

test("toIPC reads tables made by apache-arrow's CommonJS build (what notebook cells get)", async () => {
  const { createRequire } = await import("node:module");
  const cjs = createRequire(import.meta.url)("apache-arrow") as typeof import("apache-arrow");
  const { toIPC, rebuildTable } = await import("../../src/widgets/data.js");
  const foreign = cjs.tableFromArrays({ run: ["a", "b", "a"], bits: Int32Array.from([4, 8, 4]), v: Float64Array.from([1, 2, 3]) });
  const back = tableFromIPC(toIPC(foreign as never));
  assert.deepEqual(back.getChild("run")!.toArray(), ["a", "b", "a"]);
  assert.deepEqual(Array.from(back.getChild("bits")!.toArray() as Int32Array), [4, 8, 4]);
  const rebuilt = rebuildTable(foreign as never);
  assert.deepEqual([...rebuilt.getChild("run")!].map(String), ["a", "b", "a"]);
  assert.equal(tableFromIPC(toIPC(rebuilt)).getChild("v")!.get(2), 3);
});
