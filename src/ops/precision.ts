import * as tf from "@tensorflow/tfjs-core";
import type { CustomGradientFunc } from "@tensorflow/tfjs-core/dist/engine.js";

/** Training number formats. Only fp32 exists on the tfjs backends; bf16 and fp16 are emulated by rounding. */
export type Precision = "fp32" | "bf16" | "fp16";
export const PRECISIONS: readonly Precision[] = ["fp32", "bf16", "fp16"];

/** Largest finite fp16 value; values at or beyond 65520 round to ±Inf. */
export const FP16_MAX = 65504;

/**
 * Rounds float32 `x` to its nearest value with `24 − s` significant bits, ties to even
 * (Veltkamp splitting: `c = x·(2^s + 1); x' = c − (c − x)`). It is exact in IEEE float32
 * arithmetic as long as `x·(2^s+1)` does not overflow, which callers guard; it needs no bit casts,
 * so it runs unchanged on every backend.
 */
function dropMantissaBits(x: tf.Tensor, s: number): tf.Tensor {
  const c = tf.mul(x, 2 ** s + 1);
  return tf.sub(c, tf.sub(c, x));
}

/**
 * bfloat16 round-to-nearest-even of each element (8 significant bits, float32's exponent range).
 * Values above 2^100 are scaled down by 2^64 first so the splitting product cannot overflow.
 */
export function roundBf16<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => {
    const big = tf.greater(tf.abs(x), 2 ** 100);
    const scaled = tf.where(big, tf.mul(x, 2 ** -64), x);
    let y = dropMantissaBits(scaled, 16);
    y = tf.where(big, tf.mul(y, 2 ** 64), y);
    // Inf and NaN pass through unchanged (the splitting would turn Inf into NaN).
    return tf.where(tf.less(tf.abs(x), Infinity), y, x) as T;
  });
}

/**
 * IEEE binary16 round-to-nearest-even of each element: 11 significant bits, subnormals below
 * 2^-14 on a grid of 2^-24, and overflow to ±Inf from 65520 up (as a real fp16 cast does).
 */
export function roundFp16<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => {
    const ax = tf.abs(x);
    const normal = dropMantissaBits(tf.clipByValue(x, -1e30, 1e30), 13);
    // tf.round rounds half to even, which is exactly the subnormal grid's rule.
    const subnormal = tf.mul(tf.round(tf.mul(x, 2 ** 24)), 2 ** -24);
    let y = tf.where(tf.less(ax, 2 ** -14), subnormal, normal);
    y = tf.where(tf.greater(tf.abs(y), FP16_MAX), tf.mul(tf.sign(x), Infinity), y);
    return tf.where(tf.less(ax, Infinity), y, x) as T;
  });
}

/** Rounds to `precision` (identity for fp32). */
export function roundTo<T extends tf.Tensor>(x: T, precision: Precision): T {
  if (precision === "bf16") return roundBf16(x);
  if (precision === "fp16") return roundFp16(x);
  return x;
}

const castCache = new Map<Precision, (x: tf.Tensor) => tf.Tensor>();

/**
 * A precision boundary in the forward pass: rounds the value going forward and the gradient going
 * back, which is what a half-precision tensor in a mixed-precision graph does to both.
 */
export function cast<T extends tf.Tensor>(x: T, precision: Precision): T {
  if (precision === "fp32") return x;
  let op = castCache.get(precision);
  if (!op) {
    const round: CustomGradientFunc<tf.Tensor> = (t) => ({
      value: roundTo(t as tf.Tensor, precision),
      gradFunc: (dy: tf.Tensor) => roundTo(dy, precision),
    });
    op = tf.customGrad(round) as (x: tf.Tensor) => tf.Tensor;
    castCache.set(precision, op);
  }
  return op(x) as T;
}
