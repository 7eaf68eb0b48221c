/**
 * FP4 E2M1 weights with FP8 E4M3 activations: the W4A8 floating-point setting of ZeroQuant-FP
 * (Wu, Yao, He 2023, arXiv 2307.09782).
 *
 * - Weights: E2M1 (1 sign, 2 exponent, 1 mantissa bit, bias 1, no inf/NaN) holds ±{0, 0.5, 1, 1.5, 2,
 *   3, 4, 6}. Each block is scaled so its absmax maps to 6, `s = max|w| / 6` (`0 → 1`), and
 *   `ŵ = e2m1(w / s) · s`, rounding to the nearest grid value with ties to the even mantissa
 *   (0.25 → 0, 0.75 → 1, 2.5 → 2, 5 → 4). Blocks are output channels (columns) by default, or
 *   `groupSize` input rows of a column for fine-grained (group-wise) scales as in ZeroQuant-FP.
 * - Activations: per-tensor dynamic E4M3, `s = max|x| / 448`, via the FP8 emulation (`fp8.ts`).
 * - Storage: 4 bits per weight, packed two per byte, plus one float32 scale per block.
 *
 * Not done: ZeroQuant-FP's constraints that make weight scales powers of two (for a cheap FP4 → FP8
 * cast), and its low-rank compensation (LoRC).
 */
import * as tf from "@tensorflow/tfjs-core";
import { finiteOnly, mapBlocks } from "../fake.js";
import { fakeFp8, toMinifloatTensor, type Fp8Spec } from "../fp8.js";
import { quantizedBytes } from "../int.js";
import type { CommonOptions, SchemeDefinition } from "./registry.js";

export interface Fp4Scheme extends CommonOptions {
  readonly name: "fp4";
  /** Rows per weight block (ZeroQuant-FP's fine-grained setting); one block per output channel when absent. */
  readonly groupSize?: number;
}

/** FP4 E2M1 (OCP MX): bias 1, max 6 = 1.5·2², min normal 1, subnormal step 0.5. */
export const E2M1: Fp8Spec = { expBits: 2, manBits: 1, bias: 1, max: 6, minNormal: 1, minSubnormal: 0.5 };

const blocks = (s: Fp4Scheme) => (s.groupSize ? { granularity: "group" as const, groupSize: s.groupSize } : { granularity: "channel" as const });

/** E2M1 fake cast of an `[in, out]` weight with one scale per output channel, or per `groupSize` rows of each. */
export function fakeFp4(w: tf.Tensor2D, groupSize?: number): tf.Tensor2D {
  return mapBlocks(w, blocks({ name: "fp4", groupSize }), (wb, axes) => {
    let s = tf.div(tf.max(tf.abs(finiteOnly(wb)), axes, true), E2M1.max);
    s = tf.where(tf.equal(s, 0), tf.onesLike(s), s);
    return tf.mul(toMinifloatTensor(tf.div(wb, s), E2M1), s);
  });
}

export const fp4: SchemeDefinition<Fp4Scheme> = {
  name: "fp4",
  idParts: (s) => [s.groupSize ? `g${s.groupSize}` : "channel"],
  label: (s) => `W4A8 FP4-E2M1/FP8-E4M3${s.groupSize ? ` g${s.groupSize}` : ""}`,
  weightFormat: () => null,
  activationFormat: () => null,
  calibration: () => null,
  linear: {
    prepare: (s, w) => ({ wq: fakeFp4(w, s.groupSize) }),
    apply(_s, x, weight) {
      const xq = fakeFp8(x, "e4m3");
      return { y: tf.matMul(xq, weight.wq), xq };
    },
  },
  // The layout of symmetric int4: codes packed two per byte and one float32 scale per block, no zero points.
  weightBytes: (s, shape) => quantizedBytes(shape, { bits: 4, symmetric: true, ...blocks(s) }),
};
