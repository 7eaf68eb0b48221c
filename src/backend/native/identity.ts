import * as tf from "@tensorflow/tfjs-core";
import { overrideKernel } from "../override.js";

/**
 * tfjs's `Identity`, and `Cast` to the dtype a tensor already has, sharing the data (one more
 * reference, as tfjs's cpu backend and the wasm backend's own `Reshape` do) instead of copying it as
 * tfjs-wasm does. tfjs clones every tensor it saves for a gradient through `Identity`, and the mul
 * gradient casts to float32: on `tiny` those copies were a seventh of a native training step. No
 * kernel writes into its inputs, so a shared buffer is never changed under another tensor.
 */
export function registerSharedIdentity(): void {
  const share = (x: tf.TensorInfo, backend: tf.KernelBackend): tf.TensorInfo => {
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  overrideKernel(tf.Identity, "wasm", (next) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    return x.dtype === "string" ? next(args) : share(x, args.backend as tf.KernelBackend);
  });
  overrideKernel(tf.Cast, "wasm", (next) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    return (args.attrs as unknown as tf.CastAttrs).dtype === x.dtype && x.dtype !== "string" ? share(x, args.backend as tf.KernelBackend) : next(args);
  });
}
