// %% [markdown]
// # quantscope quick start
//
// Train a small transformer on the built-in corpus while a live chart follows the loss, quantize it
// three ways, see how much each costs, and save everything as Arrow tables. About a minute on a
// laptop CPU.

// %%
import { selectBackend, builtinDataset, Transformer, Trainer, CONFIGS, OutlierTracker, trainingMonitor } from "quantscope";
const backend = await selectBackend();
console.log(`tfjs backend: ${backend.name} (${backend.reason})`);

// %% [markdown]
// ## Data
// A generated English-like corpus (nothing is downloaded) with a held-out split, and, mixed in, a
// synthetic task with known answers: two-digit additions modulo 100.

// %%
const data = builtinDataset();
console.log(data.tokenizer.decode(data.train.subarray(0, 240)));
console.log(`${data.train.length} training and ${data.heldOut.length} held-out characters, vocabulary ${data.tokenizer.vocabSize}`);

// %% [markdown]
// ## Train `tiny` with a live monitor
// `tiny` is the reference model (d_model 128, 4 layers, 4 heads); we use a short context and a small
// batch so this runs quickly. The tracker measures outliers every 50 steps.

// %%
const config = { ...CONFIGS.tiny, context: 64 };
const model = Transformer.create(config, 0);
const trainer = new Trainer(model, data, { steps: 100, batchSize: 8, lr: 3e-3, warmupSteps: 10 });
const tracker = new OutlierTracker("quickstart", { every: 50 });
const monitor = trainingMonitor({ total: 100, title: "tiny on the built-in corpus" });
const result = await trainer.run({ onStep: monitor.onStep(tracker), hooks: [tracker] });
monitor.done();
console.log(`${result.status}: loss ${result.losses[0]!.toFixed(3)} → ${result.losses.at(-1)!.toFixed(3)}`);

// %% [markdown]
// ## Quantize three ways
// Per-tensor W8A8 (one scale for everything), vector-wise W8A8 (the paper's scheme) and 4-bit
// weights in groups of 32, each scored on the same held-out windows.

// %%
import { evalBatches, quantizeAndEvaluate, ResultsStore, degradationCurve, show, where, toArrow } from "quantscope";
const windows = evalBatches(data.heldOut, 8, config.context, 4);
const calibration = evalBatches(data.train, 8, config.context, 2);
const schemes = [{ name: "w8a8-tensor", mode: "static" }, { name: "w8a8-vector" }, { name: "w4-group", groupSize: 32 }] as const;
const quantRows = await quantizeAndEvaluate(model, "quickstart", "quickstart", schemes, windows, calibration);
// Saved as Arrow: the store writes each table as Arrow IPC files (pyarrow, polars and DuckDB read
// them); the degradation curve below reads the same table.
const store = new ResultsStore("quickstart-results", backend.name);
await store.append({ runs: [], metrics: [], traces: tracker.rows, quant: quantRows });
const quantTable = await store.read("quant");
const curve = degradationCurve(toArrow(where(quantTable, { metric: "loss" })), { x: "scheme", series: "recipe_label", metric: "loss", xScale: "category", title: "held-out loss degradation (%)" });
curve

// %% [markdown]
// ## Click a scheme to see its layers
// Clicking a point of the curve above sends it to this kernel (`curve.onClick`); the handler shows
// that scheme's per-layer SQNR (signal-to-quantization-noise ratio, dB; higher is better) below,
// for the activations (`sqnr_x_db`) or the weights (`sqnr_w_db`): the layers whose outliers break a
// scheme stand out as dips.

// %%
// Both SQNR metrics of one scheme (weight-only schemes have no activation SQNR); `metric` picks one.
const sqnrOf = (schemeId: string) => toArrow(where(quantTable, { scheme_id: schemeId, metric: "sqnr_x_db" }).concat(where(quantTable, { scheme_id: schemeId, metric: "sqnr_w_db" })));
const first = where(quantTable, { metric: "loss" }).get("scheme_id", 0) as string;
const layers = degradationCurve(sqnrOf(first), { x: "layer", y: "value", series: "site", title: `per-layer SQNR of ${first} (click a scheme above)` });
curve.onClick((point) => {
  const id = String(point.row?.scheme_id);
  layers.setTable(sqnrOf(id));
  layers.set({ title: `per-layer SQNR of ${id}` });
});
layers

// %%
show(where(quantTable, { metric: "loss" }))
