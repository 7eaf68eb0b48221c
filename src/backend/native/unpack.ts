import * as tf from "@tensorflow/tfjs-core";
import { tfjsHeap } from "../../wasm/tfjs-heap.js";
import { overrideKernel } from "../override.js";

/**
 * tfjs's `Unpack` (`tf.unstack`) of a float32 tensor along an axis with nothing but ones before it,
 * where each output is one contiguous run of the input: a memory copy each. tfjs-wasm slices instead,
 * at a tenth of that speed; attention's q/k/v split was 7% of a native `tiny` step. Other axes go to
 * tfjs's kernel.
 */
export function registerContiguousUnpack(): void {
  overrideKernel(tf.Unpack, "wasm", (next) => (args) => {
    const { value } = args.inputs as { value: tf.TensorInfo };
    const rank = value.shape.length;
    const axis = ((args.attrs as unknown as tf.UnpackAttrs).axis + rank) % rank;
    const heap = tfjsHeap();
    const src = heap?.offsetOf(value);
    if (!heap || src == null || value.shape.slice(0, axis).some((d) => d !== 1)) return next(args);
    const outShape = value.shape.filter((_, i) => i !== axis);
    const size = tf.util.sizeFromShape(outShape);
    const outs = Array.from({ length: value.shape[axis]! }, () => heap.newOutput(outShape));
    // After every allocation: the heap's buffer is replaced when it grows.
    const f32 = new Float32Array(heap.memory.buffer);
    outs.forEach((o, i) => f32.copyWithin(o.ptr / 4, src / 4 + i * size, src / 4 + (i + 1) * size));
    return outs.map((o) => o.info);
  });
}
