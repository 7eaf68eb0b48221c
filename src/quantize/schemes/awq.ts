/**
 * AWQ, activation-aware weight quantization (Lin et al. 2023, arXiv 2306.00978; reference
 * mit-han-lab/llm-awq `awq/quantize/auto_scale.py`). Weight-only, W4 with a zero point, groups of 128
 * input rows by default.
 *
 * A few input channels carry much larger activations than the rest, and their weights matter more.
 * AWQ scales weight row j up by `s_j` before quantizing (so those rows lose less to rounding) and the
 * activations down by the same factor, which is exact in float: `Y = (X·diag(s)⁻¹)·Q(diag(s)·W)`. Here
 * `1/s` is folded into the dequantized weights, `Ŵ = diag(s)⁻¹·Q(diag(s)·W)`, the same product.
 *
 * Per linear layer, from calibration:
 * - `x̄_j = mean_t |X[t, j]|` over every calibration token (the mean, not the max);
 * - for `α = i / nGrid`, i = 0 … nGrid − 1 (AWQ's n_grid = 20): `s = max(x̄^α, 1e-4)`, normalised
 *   `s ← s / sqrt(max(s)·min(s))`, `Ŵ_α = diag(s)⁻¹·Q(diag(s)·W)`, and the loss
 *   `mean((X·Ŵ_α − X·W)²)` on a uniform sample of calibration tokens (`sampleTokens`, default 512);
 * - keep the first α with the smallest loss. α = 0 is plain round-to-nearest, so AWQ never does worse
 *   than RTN on the sample.
 *
 * Differences from the reference: the loss is the single linear layer's output (the reference scores
 * a whole attention or MLP block, sharing one `s` among the layers fed by the same input); the
 * quantizer is this repo's (`int.ts`: the range always includes 0); AWQ's second step, the clipping
 * search (`auto_clip.py`), is not done.
 */
import * as tf from "@tensorflow/tfjs-core";
import { statsFor } from "../calibrate.js";
import { fakeQuant } from "../fake.js";
import { weightOnlyRtn } from "./common.js";
import type { SchemeDefinition, WeightFormat, WeightOptions } from "./registry.js";

export interface AwqScheme extends WeightOptions {
  readonly name: "awq";
  /** Rows per group (default 128). */
  readonly groupSize?: number;
  /** Grid points for α in [0, 1) (default 20, as the reference). */
  readonly nGrid?: number;
  /** Calibration tokens per layer the search scores on (default 512). */
  readonly sampleTokens?: number;
}

const DEFAULTS = { groupSize: 128, nGrid: 20, sampleTokens: 512 } as const;

const format = (s: AwqScheme): WeightFormat => ({ bits: s.wBits ?? 4, symmetric: s.wSymmetric ?? false, granularity: "group", groupSize: s.groupSize ?? DEFAULTS.groupSize });

/**
 * AWQ's scales at exponent `ratio`: `s = max(x̄^ratio, 1e-4)`, divided by `sqrt(max(s)·min(s))`, each
 * step rounded to float32 as the reference's float32 tensor ops round it.
 */
export function awqScales(xAbsMean: Float32Array, ratio: number): Float32Array {
  const f = Math.fround;
  const s = Float32Array.from(xAbsMean, (m) => Math.max(f(m ** ratio), f(1e-4)));
  let hi = -Infinity, lo = Infinity;
  for (const v of s) (hi = Math.max(hi, v)), (lo = Math.min(lo, v));
  const norm = f(Math.sqrt(f(hi * lo)));
  return s.map((v) => v / norm);
}

/** The outcome of {@link awqSearch}. */
export interface AwqResult {
  /** The chosen exponent α. */
  readonly ratio: number;
  /** The scales at α, one per input channel. */
  readonly scales: Float32Array;
  /** The output MSE at each grid point `i / nGrid`. */
  readonly losses: readonly number[];
  /** The effective weights `diag(s)⁻¹·Q(diag(s)·W)`, `[in, out]` (the caller owns them). */
  readonly wq: tf.Tensor2D;
}

/**
 * AWQ's grid search for one `[in, out]` weight `w`, given calibration tokens `x` `[n, in]` and the
 * per-channel mean `|X|` over all calibration tokens (see the module comment).
 */
export function awqSearch(w: tf.Tensor2D, x: tf.Tensor2D, xAbsMean: Float32Array, weights: WeightFormat, nGrid: number = DEFAULTS.nGrid): AwqResult {
  const [rows] = w.shape;
  if (xAbsMean.length !== rows || x.shape[1] !== rows) throw new Error(`AWQ: weight has ${rows} input rows, activations ${x.shape[1]} channels and ${xAbsMean.length} channel means`);
  if (!(Number.isInteger(nGrid) && nGrid >= 1)) throw new Error(`AWQ: nGrid must be a positive integer, got ${nGrid}`);
  const ref = tf.keep(tf.matMul(x, w));
  const losses: number[] = [];
  let best: { ratio: number; loss: number; scales: Float32Array; wq: tf.Tensor2D } | null = null;
  for (let i = 0; i < nGrid; i++) {
    const ratio = i / nGrid;
    const scales = awqScales(xAbsMean, ratio);
    const wq = tf.tidy(() => {
      const col = tf.reshape(tf.tensor1d(scales), [-1, 1]); // (in, 1): s_j scales input row j
      return tf.div(fakeQuant(tf.mul(w, col) as tf.Tensor2D, weights), col) as tf.Tensor2D;
    });
    const loss = tf.tidy(() => tf.mean(tf.squaredDifference(tf.matMul(x, wq), ref)).dataSync()[0]!);
    losses.push(loss);
    if (best === null ? Number.isFinite(loss) : loss < best.loss) {
      best?.wq.dispose();
      best = { ratio, loss, scales, wq };
    } else wq.dispose();
  }
  ref.dispose();
  if (!best) throw new Error(`AWQ: no finite loss on the grid (losses ${losses.join(", ")})`);
  return { ratio: best.ratio, scales: best.scales, losses, wq: best.wq };
}

export const awq: SchemeDefinition<AwqScheme> = {
  name: "awq",
  idParts: (s) => [
    `g${s.groupSize ?? DEFAULTS.groupSize}`,
    ...((s.nGrid ?? DEFAULTS.nGrid) !== DEFAULTS.nGrid ? [`grid${s.nGrid}`] : []),
    ...((s.sampleTokens ?? DEFAULTS.sampleTokens) !== DEFAULTS.sampleTokens ? [`n${s.sampleTokens}`] : []),
  ],
  label: (s) => `AWQ W${format(s).bits} g${format(s).groupSize}`,
  weightFormat: format,
  activationFormat: () => null,
  calibration: (s) => ({ channelAbsMean: true, sampleTokens: s.sampleTokens ?? DEFAULTS.sampleTokens }),
  linear: {
    prepare(s, w, { call, calib, weightFormat }) {
      const st = statsFor(calib, call.name, "AWQ");
      if (!st.channelAbsMean || !st.tokenSample) throw new Error(`AWQ needs per-channel mean |x| and sampled tokens: calibrate(calibrateOptionsFor([scheme]))`);
      const x = tf.tensor2d(st.tokenSample.rows, [st.tokenSample.tokens, w.shape[0]]);
      return { wq: awqSearch(w, x, st.channelAbsMean, weightFormat!, s.nGrid ?? DEFAULTS.nGrid).wq };
    },
    apply: weightOnlyRtn.apply,
  },
};
