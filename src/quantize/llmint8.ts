/**
 * LLM.int8() mixed-precision decomposition (Dettmers et al. 2022):
 * `C ≈ Σ_{h∈O} X^h W^h (float) + S · Σ_{h∉O} X_i8^h W_i8^h`, where O is the set of input feature
 * dimensions (columns of X, rows of an `[in, out]` W) with at least one `|x| ≥ threshold` (6.0) in the
 * current batch, and the int8 part is vector-wise (per-token X × per-channel W).
 *
 * Emulation choices: outlier columns are zeroed before the per-token absmax, so outliers no longer set
 * the token scales (the point of the method); the outlier part uses the float weights, as the paper's
 * formula writes it (bitsandbytes multiplies them by the int8-dequantized weights instead); the int8
 * weights are quantized once over all rows (cached), since the outlier set changes per batch.
 * `≥` follows the paper's "magnitude of at least 6.0" (section 4.1).
 */
import * as tf from "@tensorflow/tfjs-core";
import { fakeQuant } from "./fake.js";

/** Float mask `[in]`: 1 where column j of `x` has any `|x| ≥ threshold`, else 0. */
export function outlierMask(x: tf.Tensor2D, threshold: number): tf.Tensor1D {
  return tf.tidy(() => tf.cast(tf.greaterEqual(tf.max(tf.abs(x), 0), threshold), "float32") as tf.Tensor1D);
}

/** Splits `x` into its regular part (outlier columns zeroed) and its outlier part (only outlier columns). */
export function decompose(x: tf.Tensor2D, threshold: number): { regular: tf.Tensor2D; outlier: tf.Tensor2D; mask: tf.Tensor1D } {
  return tf.tidy(() => {
    const mask = outlierMask(x, threshold);
    const outlier = tf.mul(x, mask) as tf.Tensor2D;
    return { regular: tf.sub(x, outlier) as tf.Tensor2D, outlier, mask };
  });
}

/**
 * The activations LLM.int8() effectively multiplies: per-token fake-quantized regular columns plus
 * exact outlier columns, `x̂ = Q_token(X_reg) + X_out`.
 */
export function llmInt8Activations(x: tf.Tensor2D, threshold: number, bits = 8, symmetric = true): tf.Tensor2D {
  return tf.tidy(() => {
    const { regular, outlier } = decompose(x, threshold);
    return tf.add(fakeQuant(regular, { bits, symmetric, granularity: "token" }), outlier) as tf.Tensor2D;
  });
}

/** `Q_token(X_reg)·Ŵ + X_out·W`: the decomposed matmul with cached fake-quant weights `wq` and float `w`. */
export function llmInt8Matmul(x: tf.Tensor2D, wq: tf.Tensor2D, w: tf.Tensor2D, threshold: number, bits = 8, symmetric = true): tf.Tensor2D {
  return tf.tidy(() => {
    const { regular, outlier } = decompose(x, threshold);
    const xq = fakeQuant(regular, { bits, symmetric, granularity: "token" });
    return tf.add(tf.matMul(xq, wq), tf.matMul(outlier, w)) as tf.Tensor2D;
  });
}
