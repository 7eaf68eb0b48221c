/**
 * Signal-to-quantization-noise ratio, `SQNR_dB = 10·log10(Σx² / Σ(x − Q(x))²)`: +∞ for an exact
 * quantization, about `6.02·b + c` dB for b-bit uniform quantization of well-spread data, and it
 * collapses when a few outliers set a coarse scale.
 */
import * as tf from "@tensorflow/tfjs-core";

/** SQNR in dB of `xq` against `x` (typed arrays or tensors of equal size; tensors are read synchronously). */
export function sqnrDb(x: ArrayLike<number> | tf.Tensor, xq: ArrayLike<number> | tf.Tensor): number {
  const a = x instanceof tf.Tensor ? x.dataSync() : x;
  const b = xq instanceof tf.Tensor ? xq.dataSync() : xq;
  if (a.length !== b.length) throw new Error(`sqnrDb: sizes differ (${a.length} vs ${b.length})`);
  let sig = 0, noise = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    const e = v - b[i]!;
    sig += v * v;
    noise += e * e;
  }
  return fromSums(sig, noise);
}

/** `10·log10(signal / noise)` with the conventions: noise 0 → +∞, signal 0 and noise > 0 → −∞. */
export function fromSums(signal: number, noise: number): number {
  if (noise === 0) return Infinity;
  return 10 * Math.log10(signal / noise);
}

/** One row of {@link SqnrRecorder.table}. */
export interface SqnrRow {
  readonly name: string;
  readonly layer: number;
  readonly site: string;
  /** SQNR of the quantized matmul input (activations), dB; null for weight-only schemes. */
  readonly xSqnrDb: number | null;
  /** SQNR of the quantized weights, dB; null where weights stay float. */
  readonly wSqnrDb: number | null;
}

/**
 * Accumulates per-layer `Σx²` and `Σ(x − Q(x))²` of activations and weights over forward calls, as an
 * `observe` hook for `schemeLinear`. Sums stay on the backend until `table()`.
 */
export class SqnrRecorder {
  private readonly acc = new Map<string, { layer: number; site: string; x?: [tf.Scalar, tf.Scalar]; w?: [tf.Scalar, tf.Scalar] }>();

  /** Pass as `schemeLinear(…, { observe: rec.observe })`. */
  readonly observe = (ev: QuantizedCall): void => {
    const e = this.acc.get(ev.call.name) ?? { layer: ev.call.layer, site: ev.call.site };
    const add = (prev: [tf.Scalar, tf.Scalar] | undefined, ref: tf.Tensor, q: tf.Tensor): [tf.Scalar, tf.Scalar] => {
      const sig = tf.sum(tf.square(ref)) as tf.Scalar;
      const noise = tf.sum(tf.square(tf.sub(ref, q))) as tf.Scalar;
      const next: [tf.Scalar, tf.Scalar] = prev ? [tf.keep(tf.add(prev[0], sig) as tf.Scalar), tf.keep(tf.add(prev[1], noise) as tf.Scalar)] : [tf.keep(sig), tf.keep(noise)];
      prev?.forEach((t) => t.dispose());
      return next;
    };
    tf.tidy(() => {
      if (ev.xq) e.x = add(e.x, ev.x, ev.xq);
      // Weights do not change between calls: count them once.
      if (ev.wq && !e.w) e.w = add(undefined, ev.w, ev.wq);
    });
    this.acc.set(ev.call.name, e);
  };

  /** Per-layer SQNR so far, in first-call order. */
  async table(): Promise<SqnrRow[]> {
    const rows: SqnrRow[] = [];
    const read = async (p?: [tf.Scalar, tf.Scalar]) => (p ? fromSums((await p[0].data())[0]!, (await p[1].data())[0]!) : null);
    for (const [name, e] of this.acc) rows.push({ name, layer: e.layer, site: e.site, xSqnrDb: await read(e.x), wSqnrDb: await read(e.w) });
    return rows;
  }

  dispose(): void {
    for (const e of this.acc.values()) [...(e.x ?? []), ...(e.w ?? [])].forEach((t) => t.dispose());
    this.acc.clear();
  }
}

/** What `schemeLinear` reports per call to an `observe` hook: float and quantized operands in the same domain. */
export interface QuantizedCall {
  readonly call: import("../model/linear.js").LinearCall;
  /** The float activations the quantizer saw (for SmoothQuant, the smoothed `X·diag(s)⁻¹`). */
  readonly x: tf.Tensor2D;
  /** Their quantized values, or null when activations are not quantized. */
  readonly xq: tf.Tensor2D | null;
  /** The float weights the quantizer saw (for SmoothQuant, `diag(s)·W`). */
  readonly w: tf.Tensor2D;
  /** The quantized weights, or null when weights stay float. */
  readonly wq: tf.Tensor2D | null;
}
