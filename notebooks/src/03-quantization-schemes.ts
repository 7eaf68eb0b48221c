// %% [markdown]
// # A tour of quantization schemes
//
// One small trained model, every scheme quantscope knows, and three questions for each:
// how much **held-out loss** it costs, how much **noise** it adds at each layer (SQNR, in dB), and how
// many **bytes** the model takes.
//
// | scheme | weights | activations |
// |---|---|---|
// | W8 / W4 per-channel | one scale per output channel | float |
// | W4 g32/g64/g128 | one scale per group of input rows in each column | float |
// | W8A8 per-tensor | one scale for the whole matrix | one scale per tensor (static: calibrated; dynamic: per batch) |
// | W8A8 vector-wise | per output channel | per token (row) — the paper's main scheme |
// | LLM.int8() | vector-wise | per token, with input columns holding any value ≥ 6 kept in float |
// | SmoothQuant | per-tensor, after migrating scale `s_j = max|X_j|^α / max|W_j|^(1−α)` from activations to weights | per-tensor static |
// | FP8 E4M3 / E5M2 | scaled per tensor to the format's maximum (448 / 57344) | same |
// | AWQ W4 g128 | group-wise 4-bit after scaling input row j by `s_j = mean|X_j|^α`, α searched on calibration tokens | float |
// | W4A8 FP4/FP8 | FP4 E2M1 (±{0, 0.5, 1, 1.5, 2, 3, 4, 6}) scaled per output channel | FP8 E4M3, per tensor |
//
// The first thirteen are the paper comparison's (`PAPER_SCHEMES`); AWQ (Lin et al. 2023) and the
// W4A8 floating-point setting of ZeroQuant-FP (Wu et al. 2023) come from neighbouring papers. Every
// result row carries the scheme's stable id (`schemeId`, e.g. `w4-group/g32`) next to its label;
// code matches on the id, the label is for reading.

// %%
import { selectBackend, builtinDataset, Transformer, Trainer, evalBatches, quantizeAndEvaluate, quantizedModelBytes, quantizeTensor, dequantize, PAPER_SCHEMES, label, schemeId, type Scheme } from "quantscope";
const backend = await selectBackend();
console.log(`backend: ${backend.name}`);

// %% [markdown]
// ## A model to quantize
// A 2-layer model trained for 150 steps at a high learning rate — enough for the residual stream to
// grow the large values that make per-tensor scales coarse.

// %%
const data = builtinDataset();
const config = { vocabSize: 96, dModel: 64, nLayers: 2, nHeads: 4, dMlp: 256, context: 64 };
const model = Transformer.create(config, 0);
const trainer = new Trainer(model, data, { steps: 150, batchSize: 16, lr: 1e-2, warmupSteps: 20 });
const trained = await trainer.run();
console.log(`${trained.status} after ${trained.steps} steps, loss ${trained.losses.at(-1)!.toFixed(3)}`);

// %% [markdown]
// ## Loss and noise under every scheme
// Each scheme is scored on the same held-out windows; static schemes are calibrated on training
// windows (never the evaluation ones). `Δloss %` is the relative change of held-out loss against
// float; `A-SQNR` and `W-SQNR` are the mean signal-to-quantization-noise ratios of the matmul inputs
// and weights over layers (each bit is worth about 6 dB).

// %%
const windows = evalBatches(data.heldOut, 8, config.context, 4);
const calibration = evalBatches(data.train, 8, config.context, 2);
const schemes: Scheme[] = [...PAPER_SCHEMES, { name: "awq" }, { name: "fp4" }];
const rows = await quantizeAndEvaluate(model, "tour", "lr 1e-2", schemes, windows, calibration);
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const errorTable = schemes.map((s) => {
  const of = (metric: string) => rows.filter((r) => r.schemeId === schemeId(s) && r.metric === metric);
  return {
    id: schemeId(s),
    scheme: label(s),
    "loss": of("loss")[0]!.value.toFixed(4),
    "Δloss %": of("loss")[0]!.degradationPct!.toFixed(3),
    "Δaccuracy %": of("accuracy")[0]!.degradationPct!.toFixed(3),
    "A-SQNR dB": of("sqnr_x_db").length ? mean(of("sqnr_x_db").map((r) => r.value)).toFixed(1) : "float",
    "W-SQNR dB": of("sqnr_w_db").length ? mean(of("sqnr_w_db").map((r) => r.value)).toFixed(1) : "float",
  };
});
console.table(errorTable);

// %% [markdown]
// ## Size
// Bytes are counted exactly from the storage each scheme implies: int8 codes, int4 (and FP4) codes
// packed two per byte, one float32 scale (and, for asymmetric formats, a zero point) per channel or
// group. Embeddings, LayerNorms, biases and (by default) the output head stay float32.

// %%
const sizeTable = schemes.map((scheme) => {
  const bytes = quantizedModelBytes(model.params, scheme);
  return { id: schemeId(scheme), scheme: label(scheme), "bytes": bytes.total, "float32 bytes": bytes.float32, "compression": bytes.compression.toFixed(2) + "x" };
});
console.table(sizeTable);

// %% [markdown]
// ## One weight, stored as integers
// The table above counts bytes; `quantizeTensor` produces them. Here the first MLP weight becomes
// 4-bit codes, packed two per byte, with one scale and zero point per group of 32 input rows in each
// column. On the wasm backend it reads the weight where tfjs keeps it, without copying it out.
// `dequantize` gives float32 values back; each is within half a scale step of the original.

// %%
const weight = model.params.get("h.0.mlp.in.w")!;
const q = quantizeTensor(weight, { bits: 4, symmetric: false, granularity: "group", groupSize: 32 });
const original = weight.dataSync() as Float32Array;
const restored = dequantize(q);
const groupOf = (i: number) => Math.floor(Math.floor(i / weight.shape[1]!) / 32) * weight.shape[1]! + (i % weight.shape[1]!);
const worstStep = Math.max(...Array.from(original, (v, i) => Math.abs(v - restored[i]!) / q.scales[groupOf(i)]!));
console.table({ shape: q.shape.join("×"), "code bytes": q.codes.byteLength, "scale + zero-point bytes": q.bytes - q.codes.byteLength, "float32 bytes": weight.size * 4, "worst error / scale": worstStep.toFixed(3) });

// %% [markdown]
// ## Checks
// These lines fail the notebook if a basic property does not hold, so the tests that run it would
// catch a regression: float is the float model itself, 8-bit weights are cleaner than 4-bit ones,
// 4-bit weights compress more than 8-bit, and integer storage round-trips within half a step.

// %%
const byScheme = Object.fromEntries(errorTable.map((r) => [r.id, r]));
if (Number(byScheme["fp32"]!["Δloss %"]) !== 0) throw new Error("the FP32 'scheme' must equal the float model");
if (!(Number(byScheme["w8"]!["W-SQNR dB"]) > Number(byScheme["w4"]!["W-SQNR dB"]) + 15)) throw new Error("8-bit weights should be ~24 dB cleaner than 4-bit");
const sizes = Object.fromEntries(sizeTable.map((r) => [r.id, r.bytes]));
if (!(sizes["w4-group/g32"]! < sizes["w8"]!)) throw new Error("W4 should be smaller than W8");
if (!(sizes["fp4/channel"]! < sizes["fp8/e4m3"]!)) throw new Error("FP4 weights should be smaller than FP8");
if (!(worstStep <= 0.5 + 1e-4)) throw new Error(`dequantized values should be within half a step, worst was ${worstStep} steps`);
console.log("all checks passed");
