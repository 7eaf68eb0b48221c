import * as tf from "@tensorflow/tfjs-core";

/**
 * `a · b` for 2-D or batched 3-D tensors: tfjs's matMul, whose gradient multiplies with
 * `transposeA/B` flags. Which kernel runs is the backend's business: `selectBackend` registers ours
 * for wasm (OpenBLAS on the native path, where the flags are free; otherwise explicit transposes and
 * a SIMD kernel for batched products, because tfjs-wasm's flagged and batched matmuls are slow).
 */
export function matMul<T extends tf.Tensor2D | tf.Tensor3D>(a: T, b: T): T {
  return tf.matMul(a, b) as T;
}
