/** W8A8 vector-wise: per-token activations × per-output-channel weights, dynamic (the paper's main scheme). */
import * as tf from "@tensorflow/tfjs-core";
import { fakeQuant } from "../fake.js";
import { bitsTag, integerActivations, weightOnlyRtn } from "./common.js";
import type { ActivationOptions, SchemeDefinition, WeightFormat } from "./registry.js";

export interface W8A8VectorScheme extends ActivationOptions {
  readonly name: "w8a8-vector";
}

const weights = (s: W8A8VectorScheme): WeightFormat => ({ bits: s.wBits ?? 8, symmetric: s.wSymmetric ?? true, granularity: "channel" });

export const w8a8Vector: SchemeDefinition<W8A8VectorScheme> = {
  name: "w8a8-vector",
  idParts: () => [],
  label: (s) => `${bitsTag(weights(s), integerActivations(s))} vector-wise`,
  weightFormat: weights,
  activationFormat: integerActivations,
  calibration: () => null,
  linear: {
    prepare: weightOnlyRtn.prepare,
    apply(_s, x, weight, { activationFormat: a }) {
      const xq = fakeQuant(x, { bits: a!.bits, symmetric: a!.symmetric, granularity: "token" });
      return { y: tf.matMul(xq, weight.wq), xq };
    },
  },
};
