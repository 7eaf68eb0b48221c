/**
 * SmoothQuant (Xiao et al. 2022): `Y = (X·diag(s)⁻¹)(diag(s)·W)`, `s_j = max|X_j|^α / max|W_j|^(1−α)`,
 * then W8A8 with per-tensor weights and, by level: O1 per-token dynamic, O2 per-tensor dynamic, O3
 * per-tensor static activations (default O3). `sites` are the linear sites smoothed (default the
 * LayerNorm-fed `attn.qkv` and `mlp.in`, where `1/s` folds into the LayerNorm's gain); other sites get
 * the same W8A8 unsmoothed.
 */
import * as tf from "@tensorflow/tfjs-core";
import { statsFor } from "../calibrate.js";
import { fakeQuant, fakeQuantStatic } from "../fake.js";
import { smoothedAbsmax, smoothingFactors } from "../smoothquant.js";
import { bitsTag, integerActivations } from "./common.js";
import type { ActivationOptions, SchemeDefinition, WeightFormat } from "./registry.js";

export interface SmoothQuantScheme extends ActivationOptions {
  readonly name: "smoothquant";
  readonly alpha: number;
  readonly level?: "O1" | "O2" | "O3";
  readonly sites?: readonly string[];
}

/** SmoothQuant's default smoothed sites: those fed by a LayerNorm, where `1/s` folds into its gain. */
export const SMOOTHQUANT_DEFAULT_SITES: readonly string[] = ["attn.qkv", "mlp.in"];

const weights = (s: SmoothQuantScheme): WeightFormat => ({ bits: s.wBits ?? 8, symmetric: s.wSymmetric ?? true, granularity: "tensor" });
const sitesOf = (s: SmoothQuantScheme) => s.sites ?? SMOOTHQUANT_DEFAULT_SITES;
/** The smoothed sites as an id part (sorted: they are a set), or none when they are the default set. */
function sitesPart(s: SmoothQuantScheme): string[] {
  const set = [...new Set(sitesOf(s))].sort();
  const dflt = [...SMOOTHQUANT_DEFAULT_SITES].sort();
  return set.join("+") === dflt.join("+") ? [] : [`sites=${set.join("+")}`];
}

export const smoothquant: SchemeDefinition<SmoothQuantScheme> = {
  name: "smoothquant",
  idParts: (s) => [`alpha${s.alpha}`, s.level ?? "O3", ...sitesPart(s)],
  label: (s) => `SmoothQuant α=${s.alpha} ${bitsTag(weights(s), integerActivations(s))} ${s.level ?? "O3"}`,
  weightFormat: weights,
  activationFormat: integerActivations,
  calibration: () => ({}),
  linear: {
    prepare(s, w, { call, calib, weightFormat }) {
      const st = statsFor(calib, call.name, "SmoothQuant");
      if (!sitesOf(s).includes(call.site)) return { wq: fakeQuant(w, weightFormat!), aRange: { absmax: st.absmax, min: st.min, max: st.max } };
      const wRow = tf.max(tf.abs(w), 1).dataSync() as Float32Array;
      const f = smoothingFactors(st.channelAbsmax, wRow, s.alpha);
      const sT = tf.tensor1d(f);
      const ws = tf.mul(w, tf.reshape(sT, [-1, 1])) as tf.Tensor2D; // (in, out): row j scaled by s_j
      const absmax = smoothedAbsmax(st.channelAbsmax, f);
      return { wq: fakeQuant(ws, weightFormat!), w: ws, s: sT, aRange: { absmax, min: -absmax, max: absmax } };
    },
    apply(s, x, weight, { activationFormat: a }) {
      const xIn = weight.s ? (tf.div(x, weight.s) as tf.Tensor2D) : x;
      const level = s.level ?? "O3";
      const xq = level === "O3"
        ? fakeQuantStatic(xIn, weight.aRange!, a!.bits, a!.symmetric)
        : fakeQuant(xIn, { bits: a!.bits, symmetric: a!.symmetric, granularity: level === "O1" ? "token" : "tensor" });
      return { y: tf.matMul(xq, weight.wq), xIn, xq };
    },
  },
};
