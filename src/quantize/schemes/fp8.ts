/** FP8 weights and activations (E4M3 or E5M2), each scaled per tensor so its absmax maps to the format's max (dynamic). */
import * as tf from "@tensorflow/tfjs-core";
import { fakeFp8, type Fp8Format } from "../fp8.js";
import type { CommonOptions, SchemeDefinition } from "./registry.js";

export interface Fp8Scheme extends CommonOptions {
  readonly name: "fp8";
  readonly format: Fp8Format;
}

export const fp8: SchemeDefinition<Fp8Scheme> = {
  name: "fp8",
  idParts: (s) => [s.format],
  label: (s) => `FP8 ${s.format.toUpperCase()}`,
  weightFormat: () => null,
  activationFormat: () => null,
  calibration: () => null,
  linear: {
    prepare: (s, w) => ({ wq: fakeFp8(w, s.format) }),
    apply(s, x, weight) {
      const xq = fakeFp8(x, s.format);
      return { y: tf.matMul(xq, weight.wq), xq };
    },
  },
  // One byte per element and one float32 scale per tensor.
  weightBytes: (_s, shape) => shape.reduce((a, b) => a * b, 1) + 4,
};
