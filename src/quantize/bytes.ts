/**
 * Exact storage of a model under a scheme. Linear weights (2-D tensors whose name ends in `.w`) take
 * the scheme's integer format — codes (2–4-bit packed two per byte) + one float32 scale per block +
 * one byte per zero point, exactly what `quantizeTensor` allocates — or 1 byte per element + one
 * float32 scale for FP8; everything else (embeddings, norms, biases, and the LM head `head.w` when the
 * scheme skips it) stays float32 at 4 bytes per element.
 *
 * Not counted: SmoothQuant's factors (folded into the preceding LayerNorm, so free) and LLM.int8's
 * float outlier weights (bitsandbytes reuses the int8 weights for them); activation scales are runtime.
 */
import type * as tf from "@tensorflow/tfjs-core";
import { quantizedBytes } from "./int.js";
import { skipsHead, weightFormat, type Scheme } from "./schemes.js";

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
  const wf = weightFormat(scheme);
  const tensors = entries.map(([name, shape]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const head = name === "head.w" || name.startsWith("head.");
    const quantize = scheme.name !== "fp32" && isLinearWeight(name, shape) && !(head && skipsHead(scheme));
    let bytes = 4 * n;
    if (quantize) bytes = scheme.name === "fp8" ? n + 4 : quantizedBytes(shape, wf!);
    return { name, shape, bytes, quantized: quantize };
  });
  const total = tensors.reduce((a, t) => a + t.bytes, 0);
  const float32 = entries.reduce((a, [, s]) => a + 4 * s.reduce((x, y) => x * y, 1), 0);
  return { total, float32, compression: total ? float32 / total : 1, tensors };
}
