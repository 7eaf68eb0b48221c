/**
 * GPTQ (Frantar et al. 2022) weight-only: column-by-column quantization that spreads each column's
 * error over the not-yet-quantized rows using the calibration Hessian `Σ x xᵀ`; per output channel or
 * group-wise, 4-bit with a zero point by default.
 */
import * as tf from "@tensorflow/tfjs-core";
import { statsFor } from "../calibrate.js";
import { gptqQuantize } from "../gptq.js";
import { weightOnlyRtn } from "./common.js";
import type { SchemeDefinition, WeightFormat, WeightOptions } from "./registry.js";

export interface GptqScheme extends WeightOptions {
  readonly name: "gptq";
  /** Rows per group; per output channel when absent. */
  readonly groupSize?: number;
  /** Hessian dampening as a fraction of its mean diagonal (default 0.01, as the reference). */
  readonly dampening?: number;
}

function format(s: GptqScheme): WeightFormat {
  const bits = s.wBits ?? 4;
  const symmetric = s.wSymmetric ?? false;
  return s.groupSize ? { bits, symmetric, granularity: "group", groupSize: s.groupSize } : { bits, symmetric, granularity: "channel" };
}
const dampeningOf = (s: GptqScheme) => s.dampening ?? 0.01;

export const gptq: SchemeDefinition<GptqScheme> = {
  name: "gptq",
  idParts: (s) => [s.groupSize ? `g${s.groupSize}` : "channel", ...(dampeningOf(s) !== 0.01 ? [`damp${dampeningOf(s)}`] : [])],
  label: (s) => `GPTQ W${format(s).bits}${s.groupSize ? ` g${s.groupSize}` : " per-channel"}`,
  weightFormat: format,
  activationFormat: () => null,
  calibration: () => ({ hessian: true }),
  linear: {
    prepare(s, w, { call, calib, weightFormat }) {
      const st = statsFor(calib, call.name, "GPTQ");
      if (!st.xtx) throw new Error(`GPTQ needs the calibration Hessian: calibrate({ hessian: true })`);
      const [rows, cols] = w.shape;
      const q = gptqQuantize(w.dataSync() as Float32Array, rows, cols, st.xtx, st.tokens, { ...weightFormat!, dampening: dampeningOf(s) });
      return { wq: tf.tensor2d(q, [rows, cols]) };
    },
    apply: weightOnlyRtn.apply,
  },
};
