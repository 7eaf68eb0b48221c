import * as tf from "@tensorflow/tfjs-core";
import { LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL } from "../../ops/layernorm.js";
import { addKernel } from "../override.js";
import type { NativeAddon } from "./addon.js";
import { heapInputs, rowsOf } from "./heap-inputs.js";

/** The rows × n view of a LayerNorm input, after checking that the gain has one value per column. */
function layerNormRows(kernelName: string, x: tf.TensorInfo, g: tf.TensorInfo): { rows: number; n: number } {
  const view = rowsOf(x);
  if (tf.util.sizeFromShape(g.shape) !== view.n) throw new Error(`${kernelName}: the gain has ${tf.util.sizeFromShape(g.shape)} values for rows of ${view.n}`);
  return view;
}

/** LayerNorm (`src/ops/layernorm.ts`) and its gradients, one pass over each row, rows across threads. */
export function registerNativeLayerNorm(addon: NativeAddon): void {
  addKernel(LAYER_NORM_KERNEL, "wasm", ({ inputs, attrs }) => {
    const { heap, at } = heapInputs(LAYER_NORM_KERNEL, inputs, ["x", "g", "b"]);
    const { rows, n } = layerNormRows(LAYER_NORM_KERNEL, inputs.x!, inputs.g!);
    const out = heap.newOutput(inputs.x!.shape);
    addon.layerNorm(heap.memory.buffer, rows, n, attrs!.eps as number, at.x, at.g, at.b, out.ptr);
    return out.info;
  });
  addKernel(LAYER_NORM_GRAD_KERNEL, "wasm", ({ inputs, attrs }) => {
    const { heap, at } = heapInputs(LAYER_NORM_GRAD_KERNEL, inputs, ["dy", "x", "g"]);
    const { rows, n } = layerNormRows(LAYER_NORM_GRAD_KERNEL, inputs.x!, inputs.g!);
    const dx = heap.newOutput(inputs.x!.shape), dg = heap.newOutput(inputs.g!.shape), db = heap.newOutput(inputs.g!.shape);
    addon.layerNormGrad(heap.memory.buffer, rows, n, attrs!.eps as number, at.dy, at.x, at.g, dx.ptr, dg.ptr, db.ptr);
    return [dx.info, dg.info, db.info];
  });
}
