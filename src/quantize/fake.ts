/**
 * Fake quantization in tfjs ops (quantize then dequantize, staying in float32) for the forward pass.
 * It implements exactly the quantizer of `int.ts` (same float32 operation order, same reciprocal,
 * same round-half-to-even), so `fakeQuant(x)` equals `dequantize(quantizeTensor(x))` bit for bit —
 * the tests check this. The formulas:
 *
 * - symmetric: `s = fl(m / qmax)` (`m` = block absmax, `s = 0 → 1`), `r = fl(1/s)`,
 *   `x̂ = rne(clamp(fl(x·r), −qmax, qmax)) · s`;
 * - asymmetric: `s = fl(fl(hi − lo) / qmax)`, `r = fl(1/s)`, `z = rne(clamp(fl(−lo·r), 0, qmax))`,
 *   `x̂ = rne(clamp(fl(x·r), −z, qmax − z)) · s` (which is `(q − z)·s` with `q = rne(·) + z`).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Granularity, QuantizeOptions } from "./int-format.js";
import { codeRange, roundHalfEvenTensor } from "./rounding.js";

/** Block statistics a quantizer needs: absmax (symmetric) or min/max including 0 (asymmetric), broadcastable to x. */
export interface BlockRange {
  /** Symmetric: `max|x|` per block. Asymmetric: `max(max x, 0)` per block. */
  readonly hi: tf.Tensor;
  /** Asymmetric only: `min(min x, 0)` per block. */
  readonly lo?: tf.Tensor;
}

/** Axes to reduce for a granularity of a 2-D tensor (group handled by reshaping). */
function reduceAxes(g: Granularity): number[] | null {
  return g === "tensor" ? [0, 1] : g === "channel" ? [0] : g === "token" ? [1] : null;
}

/** `x` with every non-finite element replaced by 0, which is inside every block's range anyway. */
export function finiteOnly<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.where(tf.less(tf.abs(x), Infinity), x, tf.zerosLike(x)) as T);
}

/**
 * Block statistics of `x` (already reshaped to `[G, g, cols]` for groups) over its finite values
 * (the non-finite rule in `int.ts`), keeping dims so they broadcast.
 */
function rangeOf(x: tf.Tensor, axes: number[], symmetric: boolean): BlockRange {
  const f = finiteOnly(x);
  if (symmetric) return { hi: tf.max(tf.abs(f), axes, true) };
  return { hi: tf.maximum(tf.max(f, axes, true), 0), lo: tf.minimum(tf.min(f, axes, true), 0) };
}

/**
 * Fake-quantizes `x` given its block ranges (dynamic from `x` itself, or static from calibration).
 * Returns `x̂` with the shape of `x`.
 */
export function fakeQuantWithRange<T extends tf.Tensor>(x: T, range: BlockRange, bits: number, symmetric: boolean): T {
  const { qmin, qmax } = codeRange(bits, symmetric);
  return tf.tidy(() => {
    let s = symmetric || !range.lo ? tf.div(range.hi, qmax) : tf.div(tf.sub(range.hi, range.lo), qmax);
    s = tf.where(tf.equal(s, 0), tf.onesLike(s), s);
    const r = tf.div(1, s);
    const v = tf.mul(x, r);
    // NaN stays NaN (int.ts's rule); clipByValue would turn it into qmin on wasm.
    const keepNaN = (y: tf.Tensor) => tf.where(tf.isNaN(x), x, y) as T;
    if (symmetric) return keepNaN(tf.mul(roundHalfEvenTensor(tf.clipByValue(v, qmin, qmax)), s));
    const z = roundHalfEvenTensor(tf.clipByValue(tf.mul(tf.neg(range.lo!), r), 0, qmax));
    const clamped = tf.minimum(tf.maximum(v, tf.neg(z)), tf.sub(qmax, z));
    return keepNaN(tf.mul(roundHalfEvenTensor(clamped), s));
  });
}

/**
 * Applies a per-block transform to a 2-D tensor: `f(xb, axes)` gets the tensor (reshaped to
 * `[G, g, cols]` for groups, a last partial group zero-padded) and the axes that span one block, and
 * returns a tensor of the same shape; the result is reshaped back to `x`'s shape. Granularities as in
 * `int-format.ts` (`channel` = per column, `token` = per row, `group` = `groupSize` rows per column).
 */
export function mapBlocks(x: tf.Tensor2D, o: { readonly granularity: Granularity; readonly groupSize?: number }, f: (xb: tf.Tensor, axes: number[]) => tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    const axes = reduceAxes(o.granularity);
    if (axes) return f(x, axes) as tf.Tensor2D;
    const g = o.groupSize;
    if (!g || !Number.isInteger(g) || g < 1) throw new Error(`group granularity needs a positive integer groupSize, got ${g}`);
    const [rows, cols] = x.shape;
    const G = Math.ceil(rows / g);
    const padded = G * g === rows ? x : tf.pad(x, [[0, G * g - rows], [0, 0]]);
    const x3 = tf.reshape(padded, [G, g, cols]); // (G, g, cols): one block per (group, column)
    const q2 = tf.reshape(f(x3, [1]), [G * g, cols]) as tf.Tensor2D;
    return G * g === rows ? q2 : tf.slice(q2, [0, 0], [rows, cols]);
  });
}

/**
 * Dynamic fake quantization of a 2-D tensor: block ranges from `x` itself, then
 * {@link fakeQuantWithRange} (zero padding of a last partial group changes no range, because 0 is
 * always inside it).
 */
export function fakeQuant(x: tf.Tensor2D, o: QuantizeOptions): tf.Tensor2D {
  return mapBlocks(x, o, (xb, axes) => fakeQuantWithRange(xb, rangeOf(xb, axes, o.symmetric), o.bits, o.symmetric));
}

/** Static per-tensor fake quantization with a calibrated absmax (symmetric) or `[min, max]` (asymmetric, 0 is added to the range). */
export function fakeQuantStatic<T extends tf.Tensor>(x: T, calib: { absmax: number; min?: number; max?: number }, bits: number, symmetric = true): T {
  return tf.tidy(() => {
    if (symmetric) return fakeQuantWithRange(x, { hi: tf.scalar(calib.absmax) }, bits, true);
    const hi = Math.max(calib.max ?? calib.absmax, 0);
    const lo = Math.min(calib.min ?? -calib.absmax, 0);
    return fakeQuantWithRange(x, { hi: tf.scalar(hi), lo: tf.scalar(lo) }, bits, false);
  });
}
