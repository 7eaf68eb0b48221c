import type * as tf from "@tensorflow/tfjs-core";
import type { Batch } from "../data/batches.js";
import type { TransformerConfig } from "./config.js";
import type { Params } from "./params.js";
import type { ForwardOptions } from "./transformer.js";

/**
 * What the analysis needs of a causal language model: our own {@link Transformer} and a pretrained
 * checkpoint loaded with `loadPretrained` both satisfy it, so outlier measurement, calibration,
 * quantization and evaluation run unchanged on either.
 *
 * `params` are named by the `Transformer`'s convention (`h.{l}.attn.qkv.w` as `[in, out]`,
 * `h.{l}.ln1.g`, …) so per-layer weight and LayerNorm metrics find them; `forward` routes every
 * linear layer through `opts.linear` and reports activations to `opts.capture` at the same sites.
 */
export interface LanguageModel {
  readonly config: TransformerConfig;
  readonly params: Params;
  /** Logits `(B·T, V)` for int32 token ids `(B, T)`. */
  forward(tokens: tf.Tensor2D, opts?: ForwardOptions): tf.Tensor2D;
  /** Mean next-token cross-entropy (nats) on a batch. */
  loss(batch: Batch, opts?: ForwardOptions): tf.Scalar;
  dispose(): void;
}
