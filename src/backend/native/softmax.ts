import { SOFTMAX_GRAD_KERNEL, SOFTMAX_KERNEL } from "../../ops/softmax.js";
import { addKernel } from "../override.js";
import type { NativeAddon } from "./addon.js";
import { heapInputs, rowsOf } from "./heap-inputs.js";

/** Softmax over the last axis (`src/ops/softmax.ts`) and its gradient, rows across threads. */
export function registerNativeSoftmax(addon: NativeAddon): void {
  addKernel(SOFTMAX_KERNEL, "wasm", ({ inputs }) => {
    const { heap, at } = heapInputs(SOFTMAX_KERNEL, inputs, ["logits"]);
    const { rows, n } = rowsOf(inputs.logits!);
    const out = heap.newOutput(inputs.logits!.shape);
    addon.softmax(heap.memory.buffer, rows, n, at.logits, out.ptr);
    return out.info;
  });
  addKernel(SOFTMAX_GRAD_KERNEL, "wasm", ({ inputs }) => {
    const { heap, at } = heapInputs(SOFTMAX_GRAD_KERNEL, inputs, ["dy", "y"]);
    const { rows, n } = rowsOf(inputs.y!);
    const out = heap.newOutput(inputs.y!.shape);
    addon.softmaxGrad(heap.memory.buffer, rows, n, at.dy, at.y, out.ptr);
    return out.info;
  });
}
