import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { evalBatches } from "../../src/data/batches.js";
import { builtinDataset } from "../../src/data/builtin.js";
import { CONFIGS } from "../../src/model/config.js";
import { Transformer } from "../../src/model/transformer.js";
import { measureOutliers } from "../../src/track/measure.js";
import { frobeniusNorm, kurtosis, maxMedianRatio, outlierDimensions, rmsKurtosis, spectralNorm } from "../../src/track/metrics.js";
import { SiteStats } from "../../src/track/site-stats.js";
import { testBackend } from "../helpers/backend.js";
import { Rng } from "../../src/data/rng.js";

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test("kurtosis follows Bondarenko's formula without the scale-dependent epsilon", () => {
  // x = [0, 0, 0, 4]: μ = 1, deviations [-1,-1,-1,3]; mean d⁴ = (1+1+1+81)/4 = 21;
  // unbiased σ² = (1+1+1+9)/3 = 4, σ⁴ = 16; k = 21 / 16.
  close(kurtosis([0, 0, 0, 4]), 21 / 16);
  // A symmetric two-point distribution ±1 (n = 4): mean d⁴ = 1, σ² = 4/3, k = 9/16.
  close(kurtosis([1, -1, 1, -1]), 9 / 16);
  assert.ok(Number.isNaN(kurtosis([2, 2, 2])), "a constant sample has no kurtosis");
  assert.throws(() => kurtosis([1]), /at least 2 values/);
});

/** Standard normal samples (Box–Muller from a seeded generator). */
function gaussian(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next()));
}

test("kurtosis reads the same at every scale: a Gaussian gives ≈3 at σ = 1, 0.02 and 1000", () => {
  const x = gaussian(200_000, 1);
  const k = kurtosis(x);
  // Standard error of sample kurtosis is √(24/n) ≈ 0.011.
  assert.ok(Math.abs(k - 3) < 0.05, `Gaussian kurtosis ${k}`);
  for (const scale of [0.02, 1e-4, 1000]) close(kurtosis(x.map((v) => v * scale)), k, 1e-9);
});

test("one planted outlier dimension is found by the 6σ criterion; pure Gaussian activations have none", () => {
  const d = 64, tokens = 400, layers = 4, planted = 17;
  const states = Array.from({ length: layers }, (_, l) => {
    const x = Float32Array.from(gaussian(tokens * d, 10 + l));
    const s = new SiteStats(d, 6, 6);
    s.add(x.slice(), 4);
    const withOutlier = x.slice();
    for (let t = 0; t < tokens; t += 10) withOutlier[t * d + planted] = 12; // 10% of positions
    const o = new SiteStats(d, 6, 6);
    o.add(withOutlier, 4);
    return { clean: s, planted: o };
  });
  const dims = (which: "clean" | "planted") => outlierDimensions(states.map((s) => ({ counts: s[which].featureSigmaCount, tokens: s[which].tokens })));
  assert.deepEqual(dims("planted"), [planted]);
  assert.deepEqual(dims("clean"), []);
});

test("why outlier_dims_sigma is 0 in small pre-LN models: a LayerNorm output cannot exceed √(d−1)·σ", () => {
  // All of one token's energy in one feature is the extreme case: after LayerNorm (unit gain) that
  // feature is √(d−1) standard deviations of the token. At d = 64 that is 7.9σ, so a 6σ outlier must
  // carry over half the token's energy in ≥6% of positions; at d = 4096 (the LLMs of LLM.int8()) the
  // ceiling is 64σ.
  const d = 64;
  const token: number[] = Array.from({ length: d }, (_, j) => (j === 0 ? 1 : 0));
  const mu = token.reduce((a, b) => a + b, 0) / d;
  const sd = Math.sqrt(token.reduce((a, v) => a + (v - mu) ** 2, 0) / d);
  const normalised = token.map((v) => (v - mu) / sd);
  close(Math.max(...normalised.map(Math.abs)), Math.sqrt(d - 1), 1e-9);
});

test("RMS kurtosis, max/median ratio and weight norms", () => {
  close(rmsKurtosis([1, 1, 1, 1]), 1);
  // s² = [1, 1, 1, 9]: mean s⁴ = (1+1+1+81)/4 = 21, mean s² = 3, kurt = 21/9.
  close(rmsKurtosis([1, 1, 1, 3]), 21 / 9);
  close(maxMedianRatio([1, 2, 3, 10]), 10 / 2.5);
  close(frobeniusNorm([3, 4]), 5);
  // diag(3, 1) has singular values 3 and 1; [[1,1],[1,1]] has 2 and 0.
  close(spectralNorm([3, 0, 0, 1], 2, 2), 3, 1e-6);
  close(spectralNorm([1, 1, 1, 1], 2, 2), 2, 1e-6);
  close(spectralNorm([1, 2, 3, 4, 5, 6], 2, 3), 9.508032000695724, 1e-6); // numpy.linalg.norm(A, 2)
});

test("the outlier criterion finds exactly the planted feature", () => {
  // 4 hidden states of 3 features over 100 tokens each. Feature 0 is large in all layers at 10% of
  // positions (an outlier); feature 1 only in one layer of four (below 25% of layers... it is exactly
  // 25% but at 1% of positions); feature 2 in every layer but at 2% of positions.
  const states = [0, 1, 2, 3].map((l) => ({ counts: [10, l === 0 ? 4 : 0, 2], tokens: 100 }));
  assert.deepEqual(outlierDimensions(states), [0]);
  assert.deepEqual(outlierDimensions(states, { positionFraction: 0.01 }), [0, 1, 2]);
  assert.deepEqual(outlierDimensions(states, { layerFraction: 0.5, positionFraction: 0.01 }), [0, 2]);
});

test("site statistics equal direct computation", () => {
  const d = 3, samples = 2, tokensPerSample = 4;
  const x = Float32Array.from({ length: samples * tokensPerSample * d }, (_, i) => Math.sin(i * 1.7) * (i % 3 === 2 ? 8 : 1));
  const s = new SiteStats(d, 6, 2);
  s.add(x, samples);
  const half = x.length / 2;
  close(s.sampleKurtosisSum / 2, (kurtosis(x, 0, half) + kurtosis(x, half)) / 2);
  const inf = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  close(s.sampleInfNormSum / 2, (inf(x.subarray(0, half)) + inf(x.subarray(half))) / 2);
  for (let j = 0; j < d; j++) {
    const col = Array.from({ length: 8 }, (_, r) => x[r * d + j]!);
    close(s.featureRms()[j]!, Math.sqrt(col.reduce((a, v) => a + v * v, 0) / 8), 1e-6);
    assert.equal(s.featureAbsCount[j], col.filter((v) => Math.abs(v) >= 6).length);
  }
});

test("a planted LayerNorm gain shows up as an outlier dimension and in the gain statistics", async () => {
  await testBackend();
  const model = Transformer.create(CONFIGS.micro, 0);
  const batches = evalBatches(builtinDataset().heldOut, 2, CONFIGS.micro.context, 1);
  const before = await measureOutliers(model, batches, "r", 0);
  const get = (rows: typeof before, metric: string, site = "all") => rows.find((r) => r.metric === metric && r.layer === -1 && r.site === site)!.value;
  assert.equal(get(before, "outlier_dims"), 0);
  // Feature 5's LayerNorm gain ×40 in every block: LN outputs are ~N(0,1), so |x| ≥ 6 at many positions.
  for (const [name, v] of model.params) {
    if (/^h\.\d+\.ln[12]\.g$/.test(name)) v.assign(tf.mul(v, tf.add(tf.mul(tf.reshape(tf.oneHot(tf.tensor1d([5], "int32"), v.shape[0]!), [-1]), 39), 1)));
  }
  const after = await measureOutliers(model, batches, "r", 1);
  assert.equal(get(after, "outlier_dims"), 1);
  assert.ok(get(after, "outlier_dims_sigma") >= 1);
  assert.ok(get(after, "ln_gain_max", "ln") === 40);
  assert.ok(get(after, "ln_gain_std", "ln") > get(before, "ln_gain_std", "ln"));
  const kBefore = before.find((r) => r.metric === "rms_kurtosis" && r.site === "attn.qkv" && r.layer === 0)!.value;
  const kAfter = after.find((r) => r.metric === "rms_kurtosis" && r.site === "attn.qkv" && r.layer === 0)!.value;
  assert.ok(kAfter > 5 * kBefore, `rms kurtosis ${kBefore} -> ${kAfter}`);
  model.dispose();
});
