import * as tf from "@tensorflow/tfjs-core";
import { runKernelOr } from "./kernel-or.js";

const TWO_SQRT_2_OVER_PI = 2 * Math.sqrt(2 / Math.PI);

/** GELU as one kernel, `{ x }` → y, where a backend has it (the native path). */
export const GELU_KERNEL = "QuantscopeGelu";
/** Its gradient, `{ dy, x }` → dx. */
export const GELU_GRAD_KERNEL = "QuantscopeGeluGrad";

tf.registerGradient({
  kernelName: GELU_KERNEL,
  inputsToSave: ["x"],
  gradFunc: (dy, [x]) => ({ x: () => tf.engine().runKernel(GELU_GRAD_KERNEL, { dy: dy as tf.Tensor, x: x! }) as tf.Tensor }),
});

/**
 * GELU, tanh approximation (GPT-2; PyTorch `GELU(approximate="tanh")`):
 * `½x(1 + tanh(√(2/π)(x + 0.044715x³)))`, computed as `x·σ(2√(2/π)(x + 0.044715x³))`, the same
 * function since `½(1 + tanh z) = σ(2z)`: the wasm sigmoid kernel is ~20x faster than its tanh.
 * One kernel where the backend has {@link GELU_KERNEL}, else composed of tfjs ops.
 */
export function gelu<T extends tf.Tensor>(x: T): T {
  return runKernelOr(GELU_KERNEL, { x }, {}, () => geluComposite(x));
}

/** {@link gelu} composed of tfjs's ops, on any backend. */
export function geluComposite<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => {
    // x·x·x rather than pow(x, 3): the wasm pow kernel (and its gradient) is ~5x slower.
    const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), TWO_SQRT_2_OVER_PI);
    return tf.mul(x, tf.sigmoid(inner)) as T;
  });
}
