// %% [markdown]
// # Classroom: why outliers break quantization
//
// In this exercise you will quantize numbers by hand, measure how "heavy-tailed" activations are,
// see why one large value ruins a per-tensor scale, and train two small models to watch a training
// choice create outliers — the effect Ahmadian et al. (2023) study in billion-parameter models.
//
// Replace every `undefined` marked `TODO`, run the cell, and read the check below it: a ✓ means your
// answer is right; a ✗ says what is wrong and gives a hint.

// %%
import { selectBackend, quantizeTensor, dequantize, codesOf, kurtosis, checkClose, checkArray, checkChoice, checkSummary, builtinDataset, Transformer, Trainer, evalBatches, measureOutliers } from "quantscope";
await selectBackend();

// %% [markdown]
// ## 1. Absmax quantization by hand
// Symmetric 8-bit "absmax" quantization maps the largest magnitude to 127:
// `scale = max|x| / 127`, `code = round(x / scale)`, and dequantizes with `code · scale`.
// Quantize `x` below. (Use `Math.round`; none of these values lands exactly on a .5.)

// %%
const x = [0.5, -1.2, 2.54, 0.013];
// BEGIN SOLUTION
const scale = Math.max(...x.map(Math.abs)) / 127;
const codes = x.map((v) => Math.round(v / scale));
// END SOLUTION
// EXERCISE: const scale: number | undefined = undefined; // TODO: the largest |x| divided by 127
// EXERCISE: const codes: number[] | undefined = undefined; // TODO: each x divided by scale, rounded
const reference = quantizeTensor(Float32Array.from(x), [1, 4], { bits: 8, symmetric: true, granularity: "tensor" });
checkClose("1a scale", scale, Math.max(...x.map(Math.abs)) / 127, "The scale maps the largest magnitude, 2.54, to code 127.");

// %%
checkArray("1b codes", codes, Array.from(codesOf(reference)), "code = round(x / scale); 2.54 should become 127 and 0.013 should become 1.");

// %% [markdown]
// ## 2. Kurtosis: how heavy are the tails?
// Kurtosis is `mean((x − μ)⁴) / σ⁴`. A Gaussian gives 3; a vector with one huge value gives much
// more. Compute the kurtosis of `a` — four equal magnitudes — by hand (population σ here: divide by n).

// %%
const a = [1, -1, 1, -1];
// BEGIN SOLUTION
const kurtA = 1; // μ = 0, every (x − μ)⁴ = 1 and σ⁴ = 1
// END SOLUTION
// EXERCISE: const kurtA: number | undefined = undefined; // TODO: μ = 0 here; what are mean(x⁴) and σ⁴?
checkClose("2 kurtosis of ±1", kurtA, 1, "With μ = 0 and every |x| = 1, mean(x⁴) = 1 and σ² = 1.");
// quantscope's kurtosis() follows Bondarenko et al., who divide σ² by n − 1: for these 4 values that
// gives σ² = 4/3 and a kurtosis of 1/(16/9) ≈ 0.5625. The outlier case shows what heavy tails look like.
console.log(`quantscope's kurtosis of a: ${kurtosis(a).toFixed(4)}; of a with one outlier: ${kurtosis([1, -1, 1, -1, 1, -1, 1, 20]).toFixed(2)}`);

// %% [markdown]
// ## 3. One outlier column and the per-tensor scale
// Below, `X` is 64 tokens × 16 features of small values, except feature 3, which is 40× larger —
// an *outlier dimension*. Quantize it to 8 bits **per tensor** (one scale) and **per token** (one
// scale per row) and compare the mean squared error over the *other* features.

// %%
const tokens = 64, features = 16;
const X = Float32Array.from({ length: tokens * features }, (_, i) => Math.sin(i * 0.37) * (i % features === 3 ? 40 : 1));
const mseExcept3 = (q: Float32Array) => {
  let s = 0, n = 0;
  for (let i = 0; i < X.length; i++) if (i % features !== 3) { s += (X[i]! - q[i]!) ** 2; n++; }
  return s / n;
};
const perTensor = mseExcept3(dequantize(quantizeTensor(X, [tokens, features], { bits: 8, symmetric: true, granularity: "tensor" })));
const perToken = mseExcept3(dequantize(quantizeTensor(X, [tokens, features], { bits: 8, symmetric: true, granularity: "token" })));
console.log({ perTensor, perToken });
// Which granularity keeps the ordinary features accurate? Answer "tensor" or "token".
// BEGIN SOLUTION
const better = perTensor > perToken ? "token" : "tensor"; // read it off the two printed errors
// END SOLUTION
// EXERCISE: const better: string | undefined = undefined; // TODO: "tensor" or "token"
checkChoice("3 granularity", better, perTensor > perToken ? "token" : "tensor", "the outlier sets one per-tensor scale for everyone, so the small features get very few levels; yet every row here also holds the outlier…");

// %% [markdown]
// Per token did not help much, did it? Every row contains feature 3. That is exactly LLM.int8()'s
// insight: the outlier lives in a *column*, so keep that column in float and quantize the rest.
// Which quantscope scheme does that? (Answer with its scheme name, e.g. `"w8a8-vector"`.)

// %%
// BEGIN SOLUTION
const keepsOutlierColumnsInFloat = "llm-int8";
// END SOLUTION
// EXERCISE: const keepsOutlierColumnsInFloat: string | undefined = undefined; // TODO: one of "w8a8-tensor", "w8a8-vector", "llm-int8", "smoothquant"
checkChoice("3b mixed precision", keepsOutlierColumnsInFloat, "llm-int8", "LLM.int8() decomposes the matmul: input columns with any |x| ≥ 6 stay in float.");

// %% [markdown]
// ## 4. A training choice creates outliers
// Train the same small model twice, with learning rate 1e-3 and 1e-2 (each takes well under a minute),
// and measure the largest activation in the residual stream (`max_inf_norm`, averaged per sequence).

// %%
const data = builtinDataset();
const cfg = { vocabSize: 96, dModel: 48, nLayers: 2, nHeads: 4, dMlp: 192, context: 32 };
const calib = evalBatches(data.heldOut, 8, cfg.context, 2);
async function maxActivation(lr: number): Promise<number> {
  const model = Transformer.create(cfg, 0);
  await new Trainer(model, data, { steps: 120, batchSize: 16, lr, warmupSteps: 10 }).run();
  const rows = await measureOutliers(model, calib, `lr ${lr}`, 120);
  return rows.find((r) => r.metric === "max_inf_norm")!.value;
}
const low = await maxActivation(1e-3);
const high = await maxActivation(1e-2);
console.log({ "lr 1e-3": low, "lr 1e-2": high });

// %% [markdown]
// Which learning rate grew larger activations? Answer with the number.

// %%
// BEGIN SOLUTION
const biggerOutliers = high > low ? 1e-2 : 1e-3;
// END SOLUTION
// EXERCISE: const biggerOutliers: number | undefined = undefined; // TODO: 1e-3 or 1e-2, from the numbers above
checkChoice("4 learning rate", biggerOutliers, high > low ? 1e-2 : 1e-3, "compare the two printed values; larger steps let Adam push a few residual dimensions far out (He et al. 2024).");

// %% [markdown]
// ## Your score

// %%
const score = checkSummary();
console.log(`${score.passed} of ${score.total} checks passed${score.failed.length ? `; still to fix: ${score.failed.join(", ")}` : " — well done!"}`);
score;
