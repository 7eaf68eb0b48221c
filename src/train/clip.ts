import * as tf from "@tensorflow/tfjs-core";

/** Global L2 norm `√(Σ‖g‖²)` over all gradients. */
export function globalNorm(grads: Iterable<tf.Tensor>): tf.Scalar {
  return tf.tidy(() => tf.sqrt(tf.addN([...grads].map((g) => tf.sum(tf.square(g))))) as tf.Scalar);
}

/**
 * Scales every gradient by `min(1, maxNorm / (norm + 1e-6))`, as `torch.nn.utils.clip_grad_norm_`
 * does, so the clipped global norm is at most `maxNorm`.
 */
export function clipByGlobalNorm(grads: Map<string, tf.Tensor>, maxNorm: number, norm: tf.Scalar): Map<string, tf.Tensor> {
  const coef = tf.tidy(() => tf.minimum(tf.div(maxNorm, tf.add(norm, 1e-6)), 1));
  const clipped = new Map([...grads].map(([name, g]) => [name, tf.mul(g, coef)]));
  coef.dispose();
  return clipped;
}
