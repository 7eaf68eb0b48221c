/**
 * LLM.int8() (Dettmers et al. 2022): vector-wise W8A8, plus every input column holding any
 * `|x| ≥ threshold` computed in float against the float weights (the mixed-precision decomposition).
 */
import * as tf from "@tensorflow/tfjs-core";
import { llmInt8Activations } from "../llmint8.js";
import { bitsTag, integerActivations, weightOnlyRtn } from "./common.js";
import type { ActivationOptions, SchemeDefinition, WeightFormat } from "./registry.js";

export interface LlmInt8Scheme extends ActivationOptions {
  readonly name: "llm-int8";
  /** Outlier magnitude; 6 in the paper. */
  readonly threshold: number;
}

const weights = (s: LlmInt8Scheme): WeightFormat => ({ bits: s.wBits ?? 8, symmetric: s.wSymmetric ?? true, granularity: "channel" });

export const llmInt8: SchemeDefinition<LlmInt8Scheme> = {
  name: "llm-int8",
  idParts: (s) => [`t${s.threshold}`],
  label: (s) => `LLM.int8() ${bitsTag(weights(s), integerActivations(s))} t=${s.threshold}`,
  weightFormat: weights,
  activationFormat: integerActivations,
  calibration: () => null,
  linear: {
    readsFloatWeights: true,
    prepare: weightOnlyRtn.prepare,
    apply(s, x, weight, { activationFormat: a }) {
      // x̂ = Q_token(X_reg) + X_out; the outlier columns meet float weights, the rest the int8 weights.
      const mask = tf.cast(tf.greaterEqual(tf.max(tf.abs(x), 0), s.threshold), "float32");
      const xq = llmInt8Activations(x, s.threshold, a!.bits, a!.symmetric);
      const xOut = tf.mul(x, mask) as tf.Tensor2D;
      const y = tf.add(tf.matMul(tf.sub(xq, xOut) as tf.Tensor2D, weight.wq), tf.matMul(xOut, weight.w)) as tf.Tensor2D;
      return { y, xq };
    },
  },
};
