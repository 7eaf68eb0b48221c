/**
 * `schemeLinear(scheme, calib)`: a scheme as the model's `LinearImpl`, computing every linear layer as
 * `Q_a(X) · Q_w(W) + b` in float32 tfjs ops (fake quantization: the values an integer kernel would
 * produce after dequantization, up to float accumulation order).
 *
 * Weight quantization is cached per weight name (weights do not change during evaluation), so each
 * weight is quantized on its first call only; call `clear()` after changing weights and `dispose()`
 * when done. Activations are quantized per call (dynamic) or with calibrated ranges (static).
 */
import * as tf from "@tensorflow/tfjs-core";
import { floatLinear, type LinearCall, type LinearImpl } from "../model/linear.js";
import { statsFor, type Calibration } from "./calibrate.js";
import { fakeQuant, fakeQuantStatic } from "./fake.js";
import { FP8, toFp8Tensor, type Fp8Format } from "./fp8.js";
import { gptqQuantize } from "./gptq.js";
import { llmInt8Activations } from "./llmint8.js";
import { activationFormat, skipsHead, weightFormat, type Scheme } from "./schemes.js";
import { smoothedAbsmax, smoothingFactors } from "./smoothquant.js";
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

/** SmoothQuant's default smoothed sites: those fed by a LayerNorm, where `1/s` folds into its gain. */
export const SMOOTHQUANT_DEFAULT_SITES: readonly string[] = ["attn.qkv", "mlp.in"];

interface CachedWeight {
  /** The float weights in the quantizer's domain (smoothed for SmoothQuant); aliases `wq` when not needed. */
  readonly w: tf.Tensor2D;
  /** Their quantized (dequantized-to-float) values. */
  readonly wq: tf.Tensor2D;
  /** SmoothQuant factors `s` `[in]`, when smoothed. */
  readonly s?: tf.Tensor1D;
  /** Static activation absmax in the quantizer's domain (static schemes). */
  readonly aAbsmax?: number;
  readonly aMin?: number;
  readonly aMax?: number;
}

/** Per-tensor FP8 fake cast: `s = max|x| / FP8max` (`0 → 1`), `x̂ = fp8(x / s) · s`. */
export function fakeFp8(x: tf.Tensor2D, format: Fp8Format): tf.Tensor2D {
  return tf.tidy(() => {
    const amax = tf.max(tf.abs(x));
    let s = tf.div(amax, FP8[format].max);
    s = tf.where(tf.equal(s, 0), tf.onesLike(s), s);
    return tf.mul(toFp8Tensor(tf.div(x, s), format), s) as tf.Tensor2D;
  });
}

/** Builds the `LinearImpl` of a scheme; static schemes (see `needsCalibration`) need `calib`. */
export function schemeLinear(scheme: Scheme, calib?: Calibration, opts: SchemeLinearOptions = {}): SchemeLinear {
  const cache = new Map<string, CachedWeight>();
  const wf = weightFormat(scheme);
  const af = activationFormat(scheme);
  // A float copy of each weight is kept only where it is used (LLM.int8's outlier product, SQNR observers);
  // otherwise `w` aliases `wq` and the cache holds one tensor per weight.
  const keepFloat = !!opts.observe || scheme.name === "llm-int8";
  const floatCopy = (w: tf.Tensor2D, wq: tf.Tensor2D) => (keepFloat ? tf.keep(tf.clone(w)) : wq);

  /** Quantizes `call.w` per the scheme (once per name). Runs outside any caller tidy via tf.keep. */
  const weightsFor = (call: LinearCall): CachedWeight => {
    const hit = cache.get(call.name);
    if (hit) return hit;
    let entry!: CachedWeight;
    // Everything cached is tf.keep'd, so it outlives this tidy and the caller's.
    tf.tidy(() => {
      entry = build(call.w);
    });
    cache.set(call.name, entry);
    return entry;

    function build(w: tf.Tensor2D): CachedWeight {
      switch (scheme.name) {
        case "fp8": {
          const wq = tf.keep(fakeFp8(w, scheme.format));
          return { w: floatCopy(w, wq), wq };
        }
        case "smoothquant": {
          const sites = scheme.sites ?? SMOOTHQUANT_DEFAULT_SITES;
          const st = statsFor(calib, call.name, "SmoothQuant");
          if (!sites.includes(call.site)) {
            const wq = tf.keep(fakeQuant(w, wf!));
            return { w: floatCopy(w, wq), wq, aAbsmax: st.absmax, aMin: st.min, aMax: st.max };
          }
          const wRow = tf.max(tf.abs(w), 1).dataSync() as Float32Array;
          const s = smoothingFactors(st.channelAbsmax, wRow, scheme.alpha);
          const sT = tf.tensor1d(s);
          const ws = tf.mul(w, tf.reshape(sT, [-1, 1])) as tf.Tensor2D;
          const absmax = smoothedAbsmax(st.channelAbsmax, s);
          const wq = tf.keep(fakeQuant(ws, wf!));
          return { w: keepFloat ? tf.keep(ws) : wq, wq, s: tf.keep(sT), aAbsmax: absmax, aMin: -absmax, aMax: absmax };
        }
        case "gptq": {
          const st = statsFor(calib, call.name, "GPTQ");
          if (!st.xtx) throw new Error(`GPTQ needs the calibration Hessian: calibrate({ hessian: true })`);
          const [rows, cols] = w.shape;
          const q = gptqQuantize(w.dataSync() as Float32Array, rows, cols, st.xtx, st.tokens, {
            ...wf!,
            dampening: scheme.dampening ?? 0.01,
          });
          const wq = tf.keep(tf.tensor2d(q, [rows, cols]));
          return { w: floatCopy(w, wq), wq };
        }
        case "w8a8-tensor": {
          const wq = tf.keep(fakeQuant(w, wf!));
          if (scheme.mode === "dynamic") return { w: floatCopy(w, wq), wq };
          const st = statsFor(calib, call.name, "static W8A8");
          if (scheme.clipPercentile === undefined) return { w: floatCopy(w, wq), wq, aAbsmax: st.absmax, aMin: st.min, aMax: st.max };
          const p = st.absPercentiles?.[String(scheme.clipPercentile)];
          if (p === undefined) throw new Error(`static W8A8 with clipPercentile ${scheme.clipPercentile} needs calibrate({ percentiles: [${scheme.clipPercentile}] })`);
          // Clipped symmetric range [−p, p]; an asymmetric variant clips min/max to the same magnitude.
          return { w: floatCopy(w, wq), wq, aAbsmax: p, aMin: Math.max(st.min, -p), aMax: Math.min(st.max, p) };
        }
        default: {
          const wq = tf.keep(wf ? fakeQuant(w, wf) : tf.clone(w));
          return { w: floatCopy(w, wq), wq };
        }
      }
    }
  };

  const impl = ((call: LinearCall): tf.Tensor2D => {
    if (scheme.name === "fp32" || (call.site === "head" && skipsHead(scheme))) return floatLinear(call);
    const cw = weightsFor(call);
    const a = af ?? { bits: 8, symmetric: true };
    const y = tf.tidy(() => {
      const x = call.x;
      let xIn = x;
      let xq: tf.Tensor2D | null = null;
      let y: tf.Tensor2D;
      switch (scheme.name) {
        case "w8":
        case "w4":
        case "w4-group":
        case "gptq":
          y = tf.matMul(x, cw.wq);
          break;
        case "fp8":
          xq = fakeFp8(x, scheme.format);
          y = tf.matMul(xq, cw.wq);
          break;
        case "w8a8-tensor":
          xq = scheme.mode === "dynamic"
            ? fakeQuant(x, { bits: a.bits, symmetric: a.symmetric, granularity: "tensor" })
            : fakeQuantStatic(x, { absmax: cw.aAbsmax!, min: cw.aMin!, max: cw.aMax! }, a.bits, a.symmetric);
          y = tf.matMul(xq, cw.wq);
          break;
        case "w8a8-vector":
          xq = fakeQuant(x, { bits: a.bits, symmetric: a.symmetric, granularity: "token" });
          y = tf.matMul(xq, cw.wq);
          break;
        case "llm-int8": {
          // x̂ = Q_token(X_reg) + X_out; the outlier columns meet float weights, the rest the int8 weights.
          const mask = tf.cast(tf.greaterEqual(tf.max(tf.abs(x), 0), scheme.threshold), "float32");
          xq = llmInt8Activations(x, scheme.threshold, a.bits, a.symmetric);
          const xOut = tf.mul(x, mask) as tf.Tensor2D;
          y = tf.add(tf.matMul(tf.sub(xq, xOut) as tf.Tensor2D, cw.wq), tf.matMul(xOut, cw.w)) as tf.Tensor2D;
          break;
        }
        case "smoothquant": {
          xIn = cw.s ? (tf.div(x, cw.s) as tf.Tensor2D) : x;
          const level = scheme.level ?? "O3";
          xq = level === "O3"
            ? fakeQuantStatic(xIn, { absmax: cw.aAbsmax!, min: cw.aMin!, max: cw.aMax! }, a.bits, a.symmetric)
            : fakeQuant(xIn, { bits: a.bits, symmetric: a.symmetric, granularity: level === "O1" ? "token" : "tensor" });
          y = tf.matMul(xq, cw.wq);
          break;
        }
      }
      opts.observe?.({ call, x: xIn, xq, w: cw.w, wq: cw.wq });
      return call.b ? (tf.add(y, call.b) as tf.Tensor2D) : y;
    });
    return y;
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
