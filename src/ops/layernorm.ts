import * as tf from "@tensorflow/tfjs-core";
import { addBias, scaleByGain } from "./bias.js";
import { runKernelOr } from "./kernel-or.js";

/** LayerNorm as one kernel, `{ x, g, b }` with attribute `eps` → y, where a backend has it (the native path). */
export const LAYER_NORM_KERNEL = "QuantscopeLayerNorm";
/** Its gradient, `{ dy, x, g }` with `eps` → `[dx, dg, db]`. */
export const LAYER_NORM_GRAD_KERNEL = "QuantscopeLayerNormGrad";

tf.registerGradient({
  kernelName: LAYER_NORM_KERNEL,
  inputsToSave: ["x", "g"],
  gradFunc: (dy, [x, g], attrs) => {
    // One kernel gives all three; the engine disposes those nobody asks for.
    const [dx, dg, db] = tf.engine().runKernel(LAYER_NORM_GRAD_KERNEL, { dy: dy as tf.Tensor, x: x!, g: g! }, attrs) as tf.Tensor[];
    return { x: () => dx!, g: () => dg!, b: () => db! };
  },
});

/**
 * LayerNorm over the last axis with gain `g` and bias `b`: `g · (x − μ)/√(σ² + ε) + b` (biased σ², as
 * PyTorch). One kernel where the backend has {@link LAYER_NORM_KERNEL}, else composed of tfjs ops.
 */
export function layerNorm(x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D, eps = 1e-5): tf.Tensor2D {
  return runKernelOr(LAYER_NORM_KERNEL, { x, g, b }, { eps }, () => layerNormComposite(x, g, b, eps));
}

/** {@link layerNorm} composed of tfjs's ops, on any backend. */
export function layerNormComposite(x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D, eps = 1e-5): tf.Tensor2D {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    const normalized = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))) as tf.Tensor2D;
    return addBias(scaleByGain(normalized, g), b);
  });
}
