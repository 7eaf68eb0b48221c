import * as tf from "@tensorflow/tfjs-core";

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** GELU, tanh approximation (GPT-2; PyTorch `GELU(approximate="tanh")`): `½x(1 + tanh(√(2/π)(x + 0.044715x³)))`. */
export function gelu<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => {
    // x·x·x rather than pow(x, 3): the wasm pow kernel (and its gradient) is ~5x slower.
    const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), SQRT_2_OVER_PI);
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1)) as T;
  });
}
