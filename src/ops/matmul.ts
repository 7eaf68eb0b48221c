import * as tf from "@tensorflow/tfjs-core";
import type { CustomGradientFunc } from "@tensorflow/tfjs-core/dist/engine.js";

function swapLastTwo(t: tf.Tensor): tf.Tensor {
  const perm = t.shape.map((_, i) => i);
  [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1]!, perm[perm.length - 2]!];
  return tf.transpose(t, perm);
}

/**
 * A flagless matmul. Which kernel runs is the backend's business: `selectBackend` registers ours for
 * wasm (a SIMD kernel for batched products, OpenBLAS on the native path) in tfjs's kernel registry.
 */
function mm(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D);
}

/** `aᵀ · dy`, transposing whichever is cheaper: `a` itself, or `dy` and the (often small) product, as `(dyᵀ · a)ᵀ`. */
function transposeAMatMul(a: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  const [k, m] = a.shape.slice(-2) as [number, number];
  const n = dy.shape.at(-1)!;
  if (k * n + m * n < k * m) return swapLastTwo(mm(swapLastTwo(dy), a));
  return mm(swapLastTwo(a), dy);
}

/**
 * `a · b` for 2-D or batched 3-D tensors, with a gradient that transposes explicitly.
 * tfjs's own matMul gradient passes `transposeA/B` flags, which the wasm backend runs 3–20x
 * slower than a plain matmul; an explicit transpose followed by a flagless matmul is much faster.
 */
export const matMul = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: mm(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor, tf.Tensor];
      return [mm(dy, swapLastTwo(sb)), transposeAMatMul(sa, dy)];
    },
  };
}) as unknown as CustomGradientFunc<tf.Tensor>) as unknown as <T extends tf.Tensor2D | tf.Tensor3D>(a: T, b: T) => T;
