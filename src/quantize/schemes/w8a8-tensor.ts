/**
 * W8A8 per-tensor: one scale for the whole weight and one for the activations, the naive baseline
 * that breaks large models. The activation scale comes from calibration (`static`) or from each batch
 * (`dynamic`). Static only: `clipPercentile` (e.g. 99.99) uses that percentile of calibration `|X|` as
 * the range instead of the max, clipping the rest.
 */
import * as tf from "@tensorflow/tfjs-core";
import { statsFor } from "../calibrate.js";
import { fakeQuant, fakeQuantStatic } from "../fake.js";
import { bitsTag, integerActivations } from "./common.js";
import type { ActivationOptions, SchemeDefinition, WeightFormat } from "./registry.js";

export interface W8A8TensorScheme extends ActivationOptions {
  readonly name: "w8a8-tensor";
  readonly mode: "static" | "dynamic";
  readonly clipPercentile?: number;
}

const weights = (s: W8A8TensorScheme): WeightFormat => ({ bits: s.wBits ?? 8, symmetric: s.wSymmetric ?? true, granularity: "tensor" });
/** The clipping percentile, where it applies (static mode only). */
const clipOf = (s: W8A8TensorScheme) => (s.mode === "static" ? s.clipPercentile : undefined);

export const w8a8Tensor: SchemeDefinition<W8A8TensorScheme> = {
  name: "w8a8-tensor",
  idParts: (s) => [s.mode, ...(clipOf(s) !== undefined ? [`p${clipOf(s)}`] : [])],
  label: (s) => `${bitsTag(weights(s), integerActivations(s))} per-tensor ${s.mode}${clipOf(s) !== undefined ? ` p${clipOf(s)}` : ""}`,
  weightFormat: weights,
  activationFormat: integerActivations,
  calibration: (s) => (s.mode === "dynamic" ? null : clipOf(s) !== undefined ? { percentiles: [clipOf(s)!] } : {}),
  linear: {
    prepare(s, w, { call, calib, weightFormat }) {
      const wq = fakeQuant(w, weightFormat!);
      if (s.mode === "dynamic") return { wq };
      const st = statsFor(calib, call.name, "static W8A8");
      const p0 = clipOf(s);
      if (p0 === undefined) return { wq, aRange: { absmax: st.absmax, min: st.min, max: st.max } };
      const p = st.absPercentiles?.[String(p0)];
      if (p === undefined) throw new Error(`static W8A8 with clipPercentile ${p0} needs calibrate({ percentiles: [${p0}] })`);
      // Clipped symmetric range [−p, p]; an asymmetric variant clips min/max to the same magnitude.
      return { wq, aRange: { absmax: p, min: Math.max(st.min, -p), max: Math.min(st.max, p) } };
    },
    apply(s, x, weight, { activationFormat: a }) {
      const xq = s.mode === "dynamic"
        ? fakeQuant(x, { bits: a!.bits, symmetric: a!.symmetric, granularity: "tensor" })
        : fakeQuantStatic(x, weight.aRange!, a!.bits, a!.symmetric);
      return { y: tf.matMul(xq, weight.wq), xq };
    },
  },
};
