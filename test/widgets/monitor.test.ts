/** Kernel-side widget classes outside a kernel: throttle, ETA, state, display fallback, snapshots. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { tableFromIPC } from "apache-arrow";
import { displaySymbol, isDisplayable } from "../../src/display.js";
import {
  DegradationCurve, OutlierTrace, TableView, TrainingMonitor, degradationCurve, outlierTrace, tableView, trainingMonitor,
} from "../../src/widgets/widgets.js";
import { embedHTML } from "../../src/widgets/embed.js";
import { heatmap, outlierTraces, quantResults, trainingMetrics } from "./fixtures.js";

function bytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return new Uint8Array(v as ArrayBuffer);
}

test("TrainingMonitor sends at most one update per 100 ms however fast update() is called", () => {
  let now = 0;
  const mon = new TrainingMonitor({ total: 2000, now: () => now });
  for (let step = 1; step <= 2000; step++) {
    now += 0.5; // 2000 steps/s
    mon.update({ step, loss: 1 / step, lr: 1e-3, outliers: step % 7 });
  }
  assert.equal(mon.points.length, 2000);
  assert.ok(mon.sends <= 11, `${mon.sends} sends in 1 s`);
  assert.ok(mon.sends >= 9, `${mon.sends} sends in 1 s`);
  mon.done();
  assert.equal(mon.get("status"), "done");
  assert.equal(mon.get("step"), 2000);
  const t = tableFromIPC(bytes(mon.get("data")));
  assert.equal(t.numRows, 2000);
  assert.equal(t.getChild("step")!.get(1999), 2000);
  mon.close();
});

test("TrainingMonitor: ETA from time per step", () => {
  let now = 0;
  const mon = new TrainingMonitor({ total: 100, now: () => now });
  for (let step = 1; step <= 10; step++) {
    mon.update({ step, loss: 1 });
    now += 200; // 5 steps/s
  }
  assert.ok(Math.abs(mon.eta() - 90 * 0.2) < 1e-9, String(mon.eta()));
  mon.close();
});

test("TrainingMonitor: a deferred update goes out once the interval has passed, with no further call", (t) => {
  // The monitor's clock and its timer are both fake, so how busy the machine is cannot matter.
  t.mock.timers.enable({ apis: ["setTimeout"] });
  let now = 0;
  const mon = new TrainingMonitor({ total: 3, minIntervalMs: 100, now: () => now });
  mon.update({ step: 1, loss: 3 }); // the first goes out at once
  now = 30;
  mon.update({ step: 2, loss: 2 }); // 30 ms later: deferred to 100 ms after the first
  assert.equal(mon.sends, 1);
  now = 99;
  t.mock.timers.tick(69);
  assert.equal(mon.sends, 1, "not before the interval");
  now = 100;
  t.mock.timers.tick(1);
  assert.equal(mon.sends, 2, "the trailing update went out");
  assert.equal(mon.get("step"), 2);
  mon.close();
});

test("TrainingMonitor.onStep feeds trainer StepInfo and finishes at the last step", () => {
  const mon = new TrainingMonitor({});
  const cb = mon.onStep({ latest: (m: string) => (m === "outlier_dims" ? 3 : undefined) });
  for (let step = 1; step <= 5; step++) cb({ step, loss: 5 - step, lr: 1e-3, totalSteps: 5 });
  assert.equal(mon.get("status"), "done");
  assert.equal(mon.get("total"), 5);
  assert.equal(mon.points[4].outliers, 3);
  mon.close();
});

test("DegradationCurve: Arrow IPC state, metric property, static fallback via the display protocol", () => {
  const t = quantResults();
  const curve = degradationCurve(t, { series: "run" });
  assert.ok(curve instanceof DegradationCurve);
  assert.equal(tableFromIPC(bytes(curve.get("data"))).numRows, t.numRows);
  assert.equal(curve.metric, "loss");
  curve.metric = "accuracy";
  assert.equal(curve.get("metric"), "accuracy");
  assert.ok(isDisplayable(curve));
  const bundle = curve[displaySymbol]();
  const html = String(bundle["text/html"]);
  assert.match(html, /<svg /);
  assert.match(html, /degradation of accuracy/);
  const snap = curve.snapshot();
  assert.equal(snap.id, curve.id);
  assert.equal(snap.spec.modelModule, "quantscope-widgets");
  assert.match(embedHTML([curve]), new RegExp(`"model_id":"${curve.id}"`));
  curve.close();
});

test("OutlierTrace and TableView one-liners", () => {
  const o = outlierTrace(outlierTraces(), { heatmap: heatmap() });
  assert.ok(o instanceof OutlierTrace);
  assert.ok(bytes(o.get("heatmap")).byteLength > 0);
  assert.match(String(o[displaySymbol]()["text/html"]), /qs-static-heatmap/);
  const tv = tableView(trainingMetrics(50), { pageSize: 5 });
  assert.ok(tv instanceof TableView);
  assert.equal(tv.get("page_size"), 5);
  assert.match(String(tv[displaySymbol]()["text/html"]), /showing 5 of 50 rows/);
  const m = trainingMonitor({ total: 10, display: false });
  m.update({ step: 1, loss: 2 });
  assert.match(String(m[displaySymbol]()["text/html"]), /step 1 \/ 10/);
  m.close();
  o.close();
  tv.close();
});

test("OutlierTrace.appendRows grows the trace (tracker onRows)", () => {
  const o = outlierTrace([]);
  o.appendRows([{ run: "r", step: 0, layer: -1, site: "all", metric: "outlier_dims", value: 0 }]);
  o.appendRows([{ run: "r", step: 10, layer: -1, site: "all", metric: "outlier_dims", value: 2 }]);
  const t = tableFromIPC(bytes(o.get("data")));
  assert.equal(t.numRows, 2);
  assert.deepEqual(Array.from(t.getChild("step")!.toArray() as Float64Array), [0, 10]);
  assert.equal(polyCount(String(o[displaySymbol]()["text/html"])), 1);
  o.close();
});

function polyCount(html: string): number {
  return (html.match(/<polyline /g) ?? []).length;
}
