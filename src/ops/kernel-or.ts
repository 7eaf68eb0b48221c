import * as tf from "@tensorflow/tfjs-core";

/**
 * Runs the kernel `kernelName` when the active backend registers one, else `composite`, the same
 * function composed of tfjs's own ops. Kernels under our own names (LayerNorm, GELU, softmax rows)
 * exist only where a backend implements them (the native path, `src/backend/native/`); tfjs has no
 * notion of an optional kernel and throws on a backend without it. This is the one place that asks,
 * so that model code calls `layerNorm`/`gelu`/`softmax` and never which backend is on.
 */
export function runKernelOr<T extends tf.Tensor | tf.Tensor[]>(kernelName: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap, composite: () => T): T {
  return tf.getKernel(kernelName, tf.getBackend()) ? (tf.engine().runKernel(kernelName, inputs, attrs) as unknown as T) : composite();
}
