import * as tf from "@tensorflow/tfjs-core";
import { tfjsHeap } from "../../wasm/tfjs-heap.js";
import type { NativeAddon } from "./addon.js";

/** A product written by {@link sgemmInHeap}: the output record, where it lies, and its rows × n layout. */
export interface HeapProduct {
  readonly info: tf.TensorInfo;
  readonly ptr: number;
  readonly rows: number;
  readonly n: number;
}

/**
 * For operand batches that broadcast in a way one stride cannot say (`[2, 1]` against `[1, 3]`): the
 * operand's matrix index for each output matrix, in row-major order of the output's batch shape.
 */
function broadcastIndex(operand: number[], out: number[]): Int32Array {
  const padded = [...new Array(out.length - operand.length).fill(1), ...operand] as number[];
  const size = out.reduce((x, y) => x * y, 1);
  const index = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    let rest = i, at = 0, stride = 1;
    for (let d = out.length - 1; d >= 0; d--) {
      const coord = rest % out[d]!;
      rest = Math.floor(rest / out[d]!);
      if (padded[d] !== 1) at += coord * stride;
      stride *= padded[d]!;
    }
    index[i] = at;
  }
  return index;
}

/**
 * `op(a) · op(b)` by OpenBLAS, for any ranks ≥ 2 with tfjs's batch broadcasting, reading the operands
 * where they lie in the tfjs wasm heap and writing a new output there. Null (for the caller to use
 * another kernel) when an operand is not float32 in the heap or the shapes do not multiply; tfjs's
 * kernel then raises its own error.
 */
export function sgemmInHeap(addon: NativeAddon, a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): HeapProduct | null {
  const heap = tfjsHeap();
  if (!heap || a.dtype !== "float32" || b.dtype !== "float32" || a.shape.length < 2 || b.shape.length < 2) return null;
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const [m, k] = transposeA ? [ac, ar] : [ar, ac];
  const [kB, n] = transposeB ? [bc, br] : [br, bc];
  if (k !== kB) return null;
  const outerA = a.shape.slice(0, -2), outerB = b.shape.slice(0, -2);
  let outer: number[];
  try {
    outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  } catch {
    return null;
  }
  const batch = tf.util.sizeFromShape(outer), batchA = tf.util.sizeFromShape(outerA), batchB = tf.util.sizeFromShape(outerB);
  const pa = heap.offsetOf(a), pb = heap.offsetOf(b);
  if (pa === null || pb === null || batch * m * n === 0) return null;
  const out = heap.newOutput([...outer, m, n]);
  const indexA = batchA === 1 || batchA === batch ? null : broadcastIndex(outerA, outer);
  const indexB = batchB === 1 || batchB === batch ? null : broadcastIndex(outerB, outer);
  // The heap's ArrayBuffer is replaced whenever the wasm memory grows (newOutput may have grown it): take it now.
  addon.sgemm(heap.memory.buffer, pa, pb, out.ptr, batch, m, n, k, transposeA, transposeB, batchA, batchB, indexA, indexB);
  return { info: out.info, ptr: out.ptr, rows: batch * m, n };
}

/** tfjs's `BatchMatMul` on the wasm backend through OpenBLAS; `next` takes what it does not handle. */
export function nativeBatchMatMul(addon: NativeAddon): (next: tf.KernelFunc) => tf.KernelFunc {
  return (next) => (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    return sgemmInHeap(addon, a, b, transposeA, transposeB)?.info ?? next(args);
  };
}
