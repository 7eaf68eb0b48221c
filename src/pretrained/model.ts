import * as tf from "@tensorflow/tfjs-core";
import type { Batch } from "../data/batches.js";
import type { LanguageModel } from "../model/language-model.js";
import type { Params } from "../model/params.js";
import { checkTokenIds, type ForwardOptions } from "../model/transformer.js";
import { crossEntropy } from "../ops/cross-entropy.js";
import type { PretrainedConfig } from "./config.js";
import type { Family } from "./family.js";
import { passLayers } from "./layers.js";

/**
 * A pretrained checkpoint as a {@link LanguageModel}: its weights under our parameter names (one
 * float32 copy, not trainable) and its family's forward pass. For evaluation: outlier measurement,
 * calibration, quantization; it does not train (no dropout).
 */
export class PretrainedModel<C extends PretrainedConfig = PretrainedConfig> implements LanguageModel {
  constructor(readonly config: C, readonly params: Params, private readonly family: Family<C>) {}

  /** Logits `(B·T, V)` for int32 token ids `(B, T)`. */
  forward(tokens: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor2D {
    if (opts.dropout) throw new Error("a pretrained model is evaluated, not trained: forward() takes no dropout");
    const T = tokens.shape[1];
    if (T > this.config.context) throw new Error(`sequence length ${T} exceeds the model's context ${this.config.context}`);
    const f = passLayers(this.params, this.config, opts);
    return tf.tidy(() => this.family.forward(tokens, f, this.config));
  }

  /** Mean next-token cross-entropy (nats) on a batch. */
  loss(batch: Batch, opts: ForwardOptions = {}): tf.Scalar {
    checkTokenIds(batch.x, this.config.vocabSize, "batch.x");
    checkTokenIds(batch.y, this.config.vocabSize, "batch.y");
    return tf.tidy(() => crossEntropy(this.forward(tf.tensor2d(batch.x, [batch.batch, batch.context], "int32"), opts), tf.tensor1d(batch.y, "int32")));
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
  }
}
