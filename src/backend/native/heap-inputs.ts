import * as tf from "@tensorflow/tfjs-core";
import { tfjsHeap, type TfjsHeap } from "../../wasm/tfjs-heap.js";

/**
 * The wasm heap and the byte offset in it of each of a kernel's inputs. Our own kernels have no tfjs
 * kernel to hand a case to, so an input that is not float32 data there is an error naming the kernel
 * and the input (the ops that run them, `src/ops/`, only do so on float32 tensors of this backend).
 */
export function heapInputs<K extends string>(kernelName: string, inputs: tf.NamedTensorInfoMap, names: readonly K[]): { heap: TfjsHeap; at: Record<K, number> } {
  const heap = tfjsHeap();
  if (!heap) throw new Error(`${kernelName} runs on tfjs's wasm backend only, and it is not the active backend`);
  const at = {} as Record<K, number>;
  for (const name of names) {
    const t = inputs[name];
    const ptr = t ? heap.offsetOf(t) : null;
    if (ptr === null) throw new Error(`${kernelName}: input '${name}' must be a float32 tensor on the wasm backend${t ? `, got ${t.dtype}` : ", and is missing"}`);
    at[name] = ptr;
  }
  return { heap, at };
}

/** The rows × n view of a tensor for kernels that work on rows of its last axis. */
export function rowsOf(t: tf.TensorInfo): { rows: number; n: number } {
  const n = t.shape.at(-1) ?? 1;
  return { rows: n === 0 ? 0 : tf.util.sizeFromShape(t.shape) / n, n };
}
