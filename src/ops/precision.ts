import * as tf from "@tensorflow/tfjs-core";
import type { CustomGradientFunc } from "@tensorflow/tfjs-core/dist/engine.js";

/** Training number formats. Only fp32 exists on the tfjs backends; bf16 and fp16 are emulated by rounding. */
export type Precision = "fp32" | "bf16" | "fp16";
export const PRECISIONS: readonly Precision[] = ["fp32", "bf16", "fp16"];

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
    // Below 2^-126 bf16 is subnormal, on a fixed grid of 2^-133 that splitting (relative to x's own
    // leading bit) does not see. x + 1.5·2^-110 lies in [2^-110, 2^-109), where float32's spacing is
    // exactly 2^-133, so one addition rounds onto that grid, ties to even.
    const subnormal = tf.sub(tf.add(x, 1.5 * 2 ** -110), 1.5 * 2 ** -110);
    y = tf.where(tf.less(tf.abs(x), 2 ** -126), subnormal, y);
    // Inf and NaN pass through unchanged (the splitting would turn Inf into NaN).
    return keepZeroSign(x, tf.where(tf.less(tf.abs(x), Infinity), y, x)) as T;
  });
}

/**
 * Where `y` rounded to zero, gives it `x`'s sign (`x·0`), as a hardware cast does: −0 stays −0 and a
 * negative value that underflows becomes −0. The subnormal additions above always give +0.
 */
function keepZeroSign(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return tf.where(tf.equal(y, 0), tf.mul(x, 0), y);
}

/**
 * IEEE binary16 round-to-nearest-even of each element: 11 significant bits, subnormals below
 * 2^-14 on a grid of 2^-24, and overflow to ±Inf from 65520 up (as a real fp16 cast does).
 */
export function roundFp16<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => {
    // Clipping keeps the splitting product finite; anything past 1e30 overflows below anyway.
    const normal = dropMantissaBits(tf.clipByValue(x, -1e30, 1e30), 13);
    // For |x| < 2^-14, x + 0.75 lies in [0.5, 1) where float32's spacing is exactly 2^-24, the fp16
    // subnormal grid, so one float32 addition rounds onto that grid, ties to even.
    const subnormal = tf.sub(tf.add(x, 0.75), 0.75);
    const y = tf.where(tf.less(tf.abs(x), 2 ** -14), subnormal, normal);
    // Overflow: divide by step(65520 − |y|), which is 1 for every finite fp16 value and 0 once the
    // rounded value reached 65536.
    const rounded = tf.div(y, tf.step(tf.sub(65520, tf.abs(y))));
    // The clip above turns NaN into a number on some backends: put NaN back.
    return keepZeroSign(x, tf.where(tf.isNaN(x), x, rounded)) as T;
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
