/**
 * SmoothQuant (Xiao et al. 2022): migrate activation outliers into the weights with a per-input-channel
 * scale, `Y = (X·diag(s)⁻¹)·(diag(s)·W)`, which is exactly `X·W` in real arithmetic, then quantize both.
 *
 * `s_j = max|X_j|^α / max|W_j|^(1−α)` where j is an input channel: `max|X_j|` over calibration tokens,
 * `max|W_j|` over the j-th input **row** of an `[in, out]` weight. As in the reference code
 * (mit-han-lab/smoothquant `smooth.py`), `max|W_j|` is clamped to ≥ 1e-5 and `s` to ≥ 1e-5.
 */
import * as tf from "@tensorflow/tfjs-core";

/** Per-row absmax `max_k |W[j, k]|` of an `[in, out]` weight given row-major data. */
export function rowAbsmax(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows);
  for (let j = 0; j < rows; j++) {
    let m = 0;
    for (let k = j * cols, e = k + cols; k < e; k++) {
      const a = Math.abs(w[k]!);
      if (a > m) m = a;
    }
    out[j] = m;
  }
  return out;
}

/** Smoothing factors `s_j = max(max|X_j|^α / max(max|W_j|, 1e-5)^(1−α), 1e-5)` (float32). */
export function smoothingFactors(xChannelAbsmax: Float32Array, wRowAbsmax: Float32Array, alpha: number): Float32Array {
  if (xChannelAbsmax.length !== wRowAbsmax.length) throw new Error(`channel count mismatch: activations ${xChannelAbsmax.length}, weight rows ${wRowAbsmax.length}`);
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`alpha must be in [0, 1], got ${alpha}`);
  const s = new Float32Array(xChannelAbsmax.length);
  for (let j = 0; j < s.length; j++) s[j] = Math.max(xChannelAbsmax[j]! ** alpha / Math.max(wRowAbsmax[j]!, 1e-5) ** (1 - alpha), 1e-5);
  return s;
}

/** `(X·diag(s)⁻¹, diag(s)·W)`: divides activation columns and multiplies weight rows by `s`. */
export function smooth(x: tf.Tensor2D, w: tf.Tensor2D, s: tf.Tensor1D): { x: tf.Tensor2D; w: tf.Tensor2D } {
  return { x: smoothActivations(x, s), w: smoothWeights(w, s) };
}

/** `X·diag(s)⁻¹` (column j of X divided by `s_j`). */
export function smoothActivations(x: tf.Tensor2D, s: tf.Tensor1D): tf.Tensor2D {
  return tf.div(x, s);
}

/** `diag(s)·W` (input row j of W multiplied by `s_j`). */
export function smoothWeights(w: tf.Tensor2D, s: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => tf.mul(w, tf.reshape(s, [-1, 1])));
}

/** Static per-tensor absmax of the smoothed activations from calibration: `max_j fl(max|X_j| / s_j)`. */
export function smoothedAbsmax(xChannelAbsmax: Float32Array, s: Float32Array): number {
  let m = 0;
  for (let j = 0; j < s.length; j++) m = Math.max(m, Math.fround(xChannelAbsmax[j]! / s[j]!));
  return m;
}
