import * as tf from "@tensorflow/tfjs-core";
import { batchMatMulInHeap } from "../ops/batch-matmul-wasm.js";
import { overrideKernel } from "./override.js";

/** Runs another registered wasm kernel from inside a kernel. */
function run(kernelName: string, inputs: tf.NamedTensorInfoMap, backend: tf.KernelBackend, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
  return tf.getKernel(kernelName, "wasm")!.kernelFunc({ inputs, backend, attrs }) as tf.TensorInfo;
}

/** `t` with its last two axes swapped, as a new record the caller disposes. */
function swapLastTwo(t: tf.TensorInfo, backend: tf.KernelBackend): tf.TensorInfo {
  const perm = t.shape.map((_, i) => i);
  [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1]!, perm[perm.length - 2]!];
  return run(tf.Transpose, { x: t }, backend, { perm });
}

/**
 * Our `BatchMatMul` for the wasm backend, used whether or not the native path is on. tfjs-wasm runs
 * products with `transposeA/B` set 3–20x slower than plain ones, and tfjs's matmul gradient sets them:
 * transposing explicitly, then multiplying without flags, is much faster. For `aᵀ · b` it transposes
 * whichever is cheaper: `a`, or `b` and the (often small) product, as `(bᵀ · a)ᵀ`. Flagless batched
 * products go to our SIMD kernel (tfjs-wasm runs them through a generic loop at ~3 GFLOP/s), the rest
 * to tfjs's kernel.
 */
function batchMatMul(next: tf.KernelFunc): tf.KernelFunc {
  const plain = (a: tf.TensorInfo, b: tf.TensorInfo, backend: tf.KernelBackend): tf.TensorInfo =>
    batchMatMulInHeap(a, b) ?? (next({ inputs: { a, b }, backend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo);
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    const backend = args.backend as tf.KernelBackend;
    const temps: tf.TensorInfo[] = [];
    const temp = (t: tf.TensorInfo) => (temps.push(t), t);
    try {
      const bb = transposeB ? temp(swapLastTwo(b, backend)) : b;
      if (!transposeA) return plain(a, bb, backend);
      const [k, m] = a.shape.slice(-2) as [number, number];
      const n = bb.shape.at(-1)!;
      if (k * n + m * n < k * m && a.shape.length === bb.shape.length) {
        return swapLastTwo(temp(plain(temp(swapLastTwo(bb, backend)), a, backend)), backend);
      }
      return plain(temp(swapLastTwo(a, backend)), bb, backend);
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };
}

/** Registers our wasm kernels over tfjs's (call after the backend's own registrations). */
export function registerWasmKernels(): void {
  overrideKernel(tf.BatchMatMul, "wasm", batchMatMul);
}
