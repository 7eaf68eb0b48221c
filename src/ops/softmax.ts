import * as tf from "@tensorflow/tfjs-core";
import { runKernelOr } from "./kernel-or.js";

/** Softmax over the last axis as one kernel, `{ logits }` → y, where a backend has it (the native path). */
export const SOFTMAX_KERNEL = "QuantscopeSoftmax";
/** Its gradient from the output, `{ dy, y }` → dx. */
export const SOFTMAX_GRAD_KERNEL = "QuantscopeSoftmaxGrad";

tf.registerGradient({
  kernelName: SOFTMAX_KERNEL,
  outputsToSave: [true],
  gradFunc: (dy, [y]) => ({ logits: () => tf.engine().runKernel(SOFTMAX_GRAD_KERNEL, { dy: dy as tf.Tensor, y: y! }) as tf.Tensor }),
});

/**
 * Softmax over the last axis. One kernel, and one for its gradient, where the backend has
 * {@link SOFTMAX_KERNEL}; else `tf.softmax`, whose gradient tfjs composes of four kernels.
 */
export function softmax<T extends tf.Tensor>(logits: T): T {
  return runKernelOr(SOFTMAX_KERNEL, { logits }, {}, () => tf.softmax(logits) as T);
}
