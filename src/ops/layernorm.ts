import * as tf from "@tensorflow/tfjs-core";
import { addBias, scaleByGain } from "./bias.js";

/** LayerNorm over the last axis with gain `g` and bias `b`: `g · (x − μ)/√(σ² + ε) + b` (biased σ², as PyTorch). */
export function layerNorm(x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D, eps = 1e-5): tf.Tensor2D {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    const normalized = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))) as tf.Tensor2D;
    return addBias(scaleByGain(normalized, g), b);
  });
}
