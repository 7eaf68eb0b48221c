import type * as tf from "@tensorflow/tfjs-core";
import { addBias } from "../ops/bias.js";
import { matMul } from "../ops/matmul.js";

/** Where a linear layer sits in the model. `head` is the final vocabulary projection. */
export type LinearSite = "attn.qkv" | "attn.out" | "mlp.in" | "mlp.out" | "head";

/** All linear sites inside one transformer block, in forward order. */
export const BLOCK_SITES: readonly LinearSite[] = ["attn.qkv", "attn.out", "mlp.in", "mlp.out"];

/**
 * One call of a linear layer during a forward pass.
 *
 * Weights are stored `[in, out]` so the layer computes `x · w + b`; an "output channel" is a
 * column of `w`, an "input channel" a row. `x` is always flattened to `[tokens, in]`.
 */
export interface LinearCall {
  /** Parameter name of the weight, e.g. `"h.2.attn.qkv.w"`; stable across runs. */
  readonly name: string;
  /** Block index, or -1 for the head. */
  readonly layer: number;
  readonly site: LinearSite;
  readonly x: tf.Tensor2D;
  readonly w: tf.Tensor2D;
  readonly b?: tf.Tensor1D;
}

/**
 * How a model computes its linear layers. The float model uses {@link floatLinear}; quantization
 * schemes supply their own, so any layer can be swapped without touching the model code.
 */
export type LinearImpl = (call: LinearCall) => tf.Tensor2D;

/** Plain float32 `x · w + b`. */
export const floatLinear: LinearImpl = ({ x, w, b }) => {
  const y = matMul(x, w);
  return b ? addBias(y, b) : y;
};
