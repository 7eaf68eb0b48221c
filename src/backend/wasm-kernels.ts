import * as tf from "@tensorflow/tfjs-core";
import { batchMatMulInHeap } from "../ops/batch-matmul-wasm.js";
import { overrideKernel } from "./override.js";

/**
 * Our kernels for the wasm backend, used whether or not the native path is on: flagless batched
 * products go to the SIMD kernel (tfjs-wasm runs them through a generic loop at ~3 GFLOP/s).
 */
export function registerWasmKernels(): void {
  overrideKernel(tf.BatchMatMul, "wasm", (next) => (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    return (!transposeA && !transposeB && batchMatMulInHeap(a, b)) || next(args);
  });
}
