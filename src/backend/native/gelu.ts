import * as tf from "@tensorflow/tfjs-core";
import { GELU_GRAD_KERNEL, GELU_KERNEL } from "../../ops/gelu.js";
import { addKernel } from "../override.js";
import type { NativeAddon } from "./addon.js";
import { heapInputs } from "./heap-inputs.js";

/** GELU (`src/ops/gelu.ts`) and its gradient as one pass each over the wasm heap, across threads. */
export function registerNativeGelu(addon: NativeAddon): void {
  addKernel(GELU_KERNEL, "wasm", ({ inputs }) => {
    const { heap, at } = heapInputs(GELU_KERNEL, inputs, ["x"]);
    const { shape } = inputs.x!;
    const out = heap.newOutput(shape);
    addon.gelu(heap.memory.buffer, tf.util.sizeFromShape(shape), at.x, out.ptr);
    return out.info;
  });
  addKernel(GELU_GRAD_KERNEL, "wasm", ({ inputs }) => {
    const { heap, at } = heapInputs(GELU_GRAD_KERNEL, inputs, ["dy", "x"]);
    const { shape } = inputs.x!;
    const out = heap.newOutput(shape);
    addon.geluGrad(heap.memory.buffer, tf.util.sizeFromShape(shape), at.dy, at.x, out.ptr);
    return out.info;
  });
}
