/**
 * `schemeLinear(scheme, calib)`: a scheme as the model's `LinearImpl`, computing every linear layer as
 * `Q_a(X) · Q_w(W) + b` in float32 tfjs ops (fake quantization: the values an integer kernel would
 * produce after dequantization, up to float accumulation order). What `Q_a` and `Q_w` are is the
 * scheme definition's linear rule (`schemes/<name>.ts`); this file caches, observes and adds the bias.
 *
 * Weight quantization is cached per weight name (weights do not change during evaluation), so each
 * weight is quantized on its first call only; call `clear()` after changing weights and `dispose()`
 * when done. Activations are quantized per call (dynamic) or with calibrated ranges (static).
 */
import * as tf from "@tensorflow/tfjs-core";
import { floatLinear, type LinearCall, type LinearImpl } from "../model/linear.js";
import type { Calibration } from "./calibrate.js";
import { definitionOf, skipsHead, type Scheme } from "./schemes.js";
import type { CachedWeight, LinearContext } from "./schemes/registry.js";
import type { QuantizedCall } from "./sqnr.js";

/** A `LinearImpl` with its weight cache exposed. */
export type SchemeLinear = LinearImpl & {
  readonly scheme: Scheme;
  /** Drops cached quantized weights (after the weights change). */
  clear(): void;
  /** Frees cached tensors. */
  dispose(): void;
};

export interface SchemeLinearOptions {
  /** Called on every quantized call with the float and quantized operands (e.g. `SqnrRecorder.observe`). */
  readonly observe?: (ev: QuantizedCall) => void;
}

/** Builds the `LinearImpl` of a scheme; schemes that need calibration (see `needsCalibration`) need `calib`. */
export function schemeLinear(scheme: Scheme, calib?: Calibration, opts: SchemeLinearOptions = {}): SchemeLinear {
  const def = definitionOf(scheme);
  const rule = def.linear;
  const formats = { weightFormat: def.weightFormat(scheme), activationFormat: def.activationFormat(scheme) };
  const cache = new Map<string, CachedWeight>();
  // A float copy of each weight is kept only where it is used (a rule that reads it, SQNR observers);
  // otherwise `w` aliases `wq` and the cache holds one tensor per weight.
  const keepFloat = !!opts.observe || !!rule?.readsFloatWeights;

  /** The prepared weights of `ctx.call` (prepared once per name). Kept outside any caller tidy. */
  const weightsFor = (ctx: LinearContext): CachedWeight => {
    const hit = cache.get(ctx.call.name);
    if (hit) return hit;
    let entry!: CachedWeight;
    tf.tidy(() => {
      const p = rule!.prepare(scheme, ctx.call.w, ctx);
      const wq = tf.keep(p.wq);
      const w = keepFloat ? tf.keep(p.w ?? tf.clone(ctx.call.w)) : wq;
      entry = { ...p, wq, w, ...(p.s ? { s: tf.keep(p.s) } : {}) };
    });
    cache.set(ctx.call.name, entry);
    return entry;
  };

  const impl = ((call: LinearCall): tf.Tensor2D => {
    if (!rule || (call.site === "head" && skipsHead(scheme))) return floatLinear(call);
    const ctx: LinearContext = { call, ...(calib ? { calib } : {}), ...formats };
    const cw = weightsFor(ctx);
    return tf.tidy(() => {
      const { y, xIn = call.x, xq } = rule.apply(scheme, call.x, cw, ctx);
      opts.observe?.({ call, x: xIn, xq, w: cw.w, wq: cw.wq });
      return call.b ? (tf.add(y, call.b) as tf.Tensor2D) : y;
    });
  }) as SchemeLinear;

  const clear = () => {
    for (const e of cache.values()) {
      if (e.w !== e.wq) e.w.dispose();
      e.wq.dispose();
      e.s?.dispose();
    }
    cache.clear();
  };
  return Object.assign(impl, { scheme, clear, dispose: clear });
}
