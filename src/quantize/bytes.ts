/**
 * Exact storage of a model under a scheme. Linear weights (2-D tensors whose name ends in `.w`) take
 * the scheme's storage, its definition's `weightBytes`: by default its integer format, codes (2–4-bit
 * packed two per byte) + one float32 scale per block + one byte per zero point, exactly what
 * `quantizeTensor` allocates; FP8 is 1 byte per element + one float32 scale, FP4 half a byte per
 * element + one float32 scale per block. Everything else (embeddings, norms, biases, and the LM head
 * `head.w` when the scheme skips it) stays float32 at 4 bytes per element.
 *
 * Not counted: SmoothQuant's factors (folded into the preceding LayerNorm, so free) and LLM.int8's
 * float outlier weights (bitsandbytes reuses the int8 weights for them); activation scales are runtime.
 */
import type * as tf from "@tensorflow/tfjs-core";
import { quantizedBytes } from "./int.js";
import { definitionOf, skipsHead, type Scheme } from "./schemes.js";

/** Something with a shape: a tensor, or `{ shape }` (data is not needed to count bytes). */
export type ShapedParams = ReadonlyMap<string, tf.Tensor | { readonly shape: readonly number[] }> | Readonly<Record<string, { readonly shape: readonly number[] }>>;

export interface ModelBytes {
  /** Total bytes under the scheme. */
  readonly total: number;
  /** The same model in float32 (4 bytes per element). */
  readonly float32: number;
  /** `float32 / total`. */
  readonly compression: number;
  /** Per tensor: bytes under the scheme and whether it was quantized. */
  readonly tensors: readonly { readonly name: string; readonly shape: readonly number[]; readonly bytes: number; readonly quantized: boolean }[];
}

/** Whether `name`/`shape` is a linear weight the schemes quantize. */
export function isLinearWeight(name: string, shape: readonly number[]): boolean {
  return name.endsWith(".w") && shape.length === 2;
}

/** Byte count of a model's parameters under `scheme` (see the module comment for what is counted). */
export function quantizedModelBytes(params: ShapedParams, scheme: Scheme): ModelBytes {
  const entries: [string, readonly number[]][] =
    params instanceof Map ? [...params].map(([k, v]) => [k, v.shape]) : Object.entries(params as Record<string, { shape: readonly number[] }>).map(([k, v]) => [k, v.shape]);
  const def = definitionOf(scheme);
  const wf = def.weightFormat(scheme);
  /** Bytes of one linear weight under the scheme, or null where it stays float32. */
  const linearBytes = (shape: readonly number[]) => (def.weightBytes ? def.weightBytes(scheme, shape) : wf ? quantizedBytes(shape, wf) : null);
  const tensors = entries.map(([name, shape]) => {
    const head = name === "head.w" || name.startsWith("head.");
    const q = isLinearWeight(name, shape) && !(head && skipsHead(scheme)) ? linearBytes(shape) : null;
    return { name, shape, bytes: q ?? 4 * shape.reduce((a, b) => a * b, 1), quantized: q !== null };
  });
  const total = tensors.reduce((a, t) => a + t.bytes, 0);
  const float32 = entries.reduce((a, [, s]) => a + 4 * s.reduce((x, y) => x * y, 1), 0);
  return { total, float32, compression: total ? float32 / total : 1, tensors };
}
