import * as tf from "@tensorflow/tfjs-core";

/**
 * Mean cross-entropy of `logits [N, V]` against integer `targets [N]`, in nats. One-hot × log-softmax
 * rather than a gather, because the gather gradient is not registered on the wasm backend.
 */
export function crossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits);
    const picked = tf.sum(tf.mul(logp, tf.oneHot(targets, logits.shape[1])), -1);
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}
