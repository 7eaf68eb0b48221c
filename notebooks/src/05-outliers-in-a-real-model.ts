// %% [markdown]
// # Outliers in a real model
//
// Everything the other notebooks do to models trained here — outlier metrics, every quantization
// scheme, per-layer sensitivity, outliers across training — on a **Hugging Face checkpoint**: GPT-2,
// Pythia (GPT-NeoX) or OPT, read from a local folder. Nothing is downloaded.
//
// - Set `QUANTSCOPE_MODEL_DIR` to a model folder (a `git clone` of a model repository or a Hub cache
//   entry `~/.cache/huggingface/hub/models--EleutherAI--pythia-70m`) to run on it; the README says how
//   to fetch GPT-2 or Pythia-70m on a machine with internet access.
// - Set `QUANTSCOPE_TEXT_FILE` to score perplexity on your own text (default: the built-in corpus).
// - Set `QUANTSCOPE_SERIES_DIR` to a folder of revisions `step1000/`, `step2000/`, … to trace outliers
//   across real pretraining.
//
// Without them, the notebook makes its own checkpoint: a small model trained here for a few seconds
// and saved in GPT-2's format, so every cell runs anywhere (CI included).

// %%
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { selectBackend, builtinDataset, generateCorpus, splitCorpus, Transformer, Trainer, saveAsGpt2, loadPretrained, textWindows, measureOutliers, quantizeAndEvaluate, layerSensitivity, sensitivityChart, sensitivityTable, measureSeries, outlierTrace, tableView, label, type Scheme } from "quantscope";
const backend = await selectBackend();
console.log(`backend: ${backend.name}`);

// %% [markdown]
// ## The checkpoint
// The default is a GPT-2-format folder written from a 2-layer model trained here at a high learning
// rate (which grows outliers quickly); a snapshot before and after training makes a two-step series.

// %%
const userDir = process.env.QUANTSCOPE_MODEL_DIR;
let modelDir = userDir ?? "";
let seriesDir = process.env.QUANTSCOPE_SERIES_DIR;
if (!userDir) {
  const root = mkdtempSync(join(tmpdir(), "quantscope-05-"));
  const data = builtinDataset();
  const own = Transformer.create({ vocabSize: 96, dModel: 64, nLayers: 2, nHeads: 4, dMlp: 256, context: 64 }, 0);
  seriesDir ??= join(root, "tiny-gpt2");
  await saveAsGpt2(own, data.tokenizer, join(seriesDir, "step0"));
  const trainer = new Trainer(own, data, { steps: 150, batchSize: 16, lr: 1e-2, warmupSteps: 20 });
  await trainer.run();
  await saveAsGpt2(own, data.tokenizer, join(seriesDir, "step150"));
  modelDir = join(seriesDir, "step150");
  trainer.dispose();
  own.dispose();
}
const { model, tokenizer, dir, unusedTensors } = await loadPretrained(modelDir);
const nParams = [...model.params.values()].reduce((a, v) => a + v.size, 0);
console.log(`loaded ${model.config.architecture} (${model.config.family}) from ${dir}`);
console.log(`${model.config.nLayers} layers, d_model ${model.config.dModel}, ${model.config.nHeads} heads, context ${model.config.context}, vocabulary ${model.config.vocabSize}; ${(nParams / 1e6).toFixed(2)}M parameters held once in float32`);
if (unusedTensors.length) console.log(`tensors not used: ${unusedTensors.join(", ")}`);

// %% [markdown]
// ## Text and evaluation windows
// Perplexity is scored on fixed windows of the text, the same for every scheme; calibration for
// static schemes uses other windows.

// %%
const text = process.env.QUANTSCOPE_TEXT_FILE ? readFileSync(process.env.QUANTSCOPE_TEXT_FILE, "utf8") : splitCorpus(generateCorpus({ chars: 60_000 }), 0.5).heldOut;
const context = Math.min(model.config.context, 128);
const ids = tokenizer!.encode(text);
console.log(`${text.length} characters → ${ids.length} tokens; first tokens: ${JSON.stringify(tokenizer!.tokenize(text.slice(0, 40)).slice(0, 12))}`);
const half = Math.floor(text.length / 2);
const windows = textWindows(tokenizer!, text.slice(0, half), { context, batch: 4, count: 2 });
const calibration = textWindows(tokenizer!, text.slice(half), { context, batch: 4, count: 1 });

// %% [markdown]
// ## Outlier metrics
// The same metrics as during our own training runs: per layer and site ‖x‖∞, kurtosis and
// max/median channel ratio; LLM.int8()'s outlier dimensions (|x| ≥ 6 in ≥ 25 % of layers and ≥ 6 %
// of positions); LayerNorm gains.

// %%
const traces = await measureOutliers(model, windows, dir, 0);
const whole = Object.fromEntries(traces.filter((r) => r.layer === -1 && (r.site === "all" || r.site === "ln")).map((r) => [r.metric, +r.value.toPrecision(4)]));
console.table(whole);
const perLayer = [...new Set(traces.filter((r) => r.layer >= 0).map((r) => r.layer))].map((layer) => {
  const get = (site: string, metric: string) => traces.find((r) => r.layer === layer && r.site === site && r.metric === metric)?.value;
  return { layer, "mlp.in ‖x‖∞": get("mlp.in", "inf_norm")?.toFixed(2), "mlp.in kurtosis": get("mlp.in", "kurtosis")?.toFixed(1), "attn.qkv max/median": get("attn.qkv", "max_median_ratio")?.toFixed(1), "ln2 gain max": get("ln2", "ln_gain_max")?.toFixed(2) };
});
console.table(perLayer);

// %% [markdown]
// ## Every scheme
// Held-out perplexity in float and under each scheme (the LM head stays in float, as LLM.int8() and
// SmoothQuant evaluate). Per-tensor W8A8 is where outliers hurt most.

// %%
const schemes: Scheme[] = [
  { name: "fp32" }, { name: "w8" }, { name: "w4-group", groupSize: 32 }, { name: "w8a8-tensor", mode: "dynamic" }, { name: "w8a8-tensor", mode: "static" },
  { name: "w8a8-vector" }, { name: "llm-int8", threshold: 6 }, { name: "smoothquant", alpha: 0.5 }, { name: "fp8", format: "e4m3" },
];
const quant = await quantizeAndEvaluate(model, dir, "pretrained", schemes, windows, calibration);
console.table(schemes.map(label).map((scheme) => {
  const ppl = quant.find((r) => r.scheme === scheme && r.metric === "perplexity")!;
  return { scheme, perplexity: ppl.value.toFixed(3), "Δperplexity %": ppl.degradationPct!.toFixed(2) };
}));

// %% [markdown]
// ## Which layers break: per-layer sensitivity
// As AIMET's QuantAnalyzer: each linear layer quantized alone (W8A8 per-tensor, dynamic), the others
// in float, and the rise in held-out loss. Outlier-carrying layers stand out.

// %%
const sensitivity = await layerSensitivity(model, { name: "w8a8-tensor", mode: "dynamic" }, windows, { run: dir });
sensitivityChart(sensitivity);

// %%
tableView(sensitivityTable(sensitivity), { sortBy: "delta_pct", sortDesc: true });

// %% [markdown]
// ## Outliers across training
// Every revision in the series folder measured on the same windows, into the same `traces` rows our
// own training runs produce, so the outlier widget plots them.

// %%
// (`{ windows: windows }`, not the shorthand: the kernel's TypeScript front end loses a shorthand
// property that names a variable from an earlier cell.)
const series = seriesDir ? await measureSeries(seriesDir, { windows: windows }) : [];
const infByStep = series.filter((r) => r.metric === "max_inf_norm").map((r) => `step ${r.step}: ${r.value.toFixed(2)}`);
console.log(seriesDir ? `max ‖x‖∞ by revision: ${infByStep.join(", ")}` : "set QUANTSCOPE_SERIES_DIR to a folder of step<N> revisions to trace outliers across pretraining");
outlierTrace(series);

// %%
model.dispose();
console.log("notebook 05 done");
