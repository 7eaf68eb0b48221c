import * as tf from "@tensorflow/tfjs-core";
import { tfjsHeap } from "../../wasm/tfjs-heap.js";
import { ACTIVATION_CODES, type NativeAddon } from "./addon.js";
import { sgemmInHeap } from "./batch-matmul.js";

/**
 * tfjs's `_FusedMatMul` (`tf.fused.matMul`: product, then bias, then activation) on the wasm backend
 * through OpenBLAS. A bias must be one value or one per output column, as tfjs-wasm's own kernel
 * requires; prelu (which takes a weights tensor) and any other case go to `next`.
 */
export function nativeFusedMatMul(addon: NativeAddon): (next: tf.KernelFunc) => tf.KernelFunc {
  return (next) => (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo };
    const { transposeA, transposeB, activation, leakyreluAlpha } = args.attrs as unknown as tf._FusedMatMulAttrs;
    const code = ACTIVATION_CODES[activation ?? "linear"];
    const heap = tfjsHeap();
    if (!heap || code === undefined || preluActivationWeights) return next(args);
    const n = (transposeB ? b.shape.at(-2) : b.shape.at(-1))!;
    let biasPtr = -1, biasLength = 0;
    if (bias) {
      biasLength = tf.util.sizeFromShape(bias.shape);
      const ptr = bias.shape.length <= 1 && (biasLength === n || biasLength === 1) ? heap.offsetOf(bias) : null;
      if (ptr === null) return next(args);
      biasPtr = ptr;
    }
    const product = sgemmInHeap(addon, a, b, transposeA, transposeB);
    if (!product) return next(args);
    addon.biasActivation(heap.memory.buffer, product.ptr, product.rows, product.n, biasPtr, biasLength, code, leakyreluAlpha ?? 0);
    return product.info;
  };
}
