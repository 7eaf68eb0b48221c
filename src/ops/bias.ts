import * as tf from "@tensorflow/tfjs-core";
import type { CustomGradientFunc } from "@tensorflow/tfjs-core/dist/engine.js";

/**
 * Per-feature bias and gain for `[rows, features]` tensors, with gradients that sum over rows by a
 * matmul with a row of ones. tfjs's broadcast gradient reduces with `sum(dy, 0)`, which the wasm
 * backend runs ~40x slower than that matmul; on `tiny` those sums were a tenth of a training step.
 */
function sumRows(t: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(tf.matMul(tf.ones([1, t.shape[0]]), t), [t.shape[1]]);
}

/** `x + b` for `x: [rows, features]`, `b: [features]`. */
export const addBias = tf.customGrad(((x: tf.Tensor2D, b: tf.Tensor1D) => ({
  value: tf.add(x, b),
  // A clone, not `dy` itself: the engine disposes what it hands in, and a gradient that is the same
  // object would be freed twice (on wasm: heap corruption).
  gradFunc: (dy: tf.Tensor2D) => [tf.clone(dy), sumRows(dy)],
})) as unknown as CustomGradientFunc<tf.Tensor>) as unknown as (x: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

/** `x · g` (elementwise per feature) for `x: [rows, features]`, `g: [features]`. */
export const scaleByGain = tf.customGrad(((x: tf.Tensor2D, g: tf.Tensor1D, save: tf.GradSaveFunc) => {
  save([x, g]);
  return {
    value: tf.mul(x, g),
    gradFunc: (dy: tf.Tensor2D, [sx, sg]: tf.Tensor[]) => [tf.mul(dy, sg!), sumRows(tf.mul(dy, sx!) as tf.Tensor2D)],
  };
}) as unknown as CustomGradientFunc<tf.Tensor>) as unknown as (x: tf.Tensor2D, g: tf.Tensor1D) => tf.Tensor2D;
