import * as tf from "@tensorflow/tfjs-core";

/**
 * Exact GELU, `x·Φ(x) = ½x(1 + erf(x/√2))`: PyTorch's default `GELU()` and Hugging Face's
 * `hidden_act: "gelu"` (Pythia, GPT-NeoX). Not the tanh approximation of {@link gelu}, which differs
 * by up to ~5e-4 and is what GPT-2's `gelu_new` means.
 */
export function geluErf<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))) as T);
}
