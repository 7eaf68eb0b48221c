import * as tf from "@tensorflow/tfjs-core";
import type { CustomGradientFunc } from "@tensorflow/tfjs-core/dist/engine.js";

function swapLastTwo(t: tf.Tensor): tf.Tensor {
  const perm = t.shape.map((_, i) => i);
  [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1]!, perm[perm.length - 2]!];
  return tf.transpose(t, perm);
}

/**
 * `a · b` for 2-D or batched 3-D tensors, with a gradient that transposes explicitly.
 * tfjs's own matMul gradient passes `transposeA/B` flags, which the wasm backend runs 10–20x
 * slower than a plain matmul; an explicit transpose followed by a flagless matmul is much faster.
 */
export const matMul = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor, tf.Tensor];
      return [tf.matMul(dy as tf.Tensor3D, swapLastTwo(sb) as tf.Tensor3D), tf.matMul(swapLastTwo(sa) as tf.Tensor3D, dy as tf.Tensor3D)];
    },
  };
}) as unknown as CustomGradientFunc<tf.Tensor>) as unknown as <T extends tf.Tensor2D | tf.Tensor3D>(a: T, b: T) => T;
