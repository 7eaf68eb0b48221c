/**
 * GPT-2 (`GPT2LMHeadModel`): learned positions, pre-LayerNorm blocks, fused `c_attn` in Conv1D
 * layout (already `[in, out]`, columns `[q | k | v]`), `gelu_new` by default, head tied to `wte`.
 * Tensor names with or without the `transformer.` prefix (the OpenAI upload has none and carries
 * `h.N.attn.bias` mask buffers; a modern `save_pretrained` has the prefix and no buffers).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { PretrainedConfig, RawConfig } from "../config.js";
import type { Family, WeightLoader } from "../family.js";
import { addPositions, block, embedTokens, type Layers } from "../layers.js";

export interface Gpt2Config extends PretrainedConfig {
  /** `scale_attn_by_inverse_layer_idx`: scores of layer l further divided by l + 1. */
  readonly scaleByLayer: boolean;
}

export const gpt2: Family<Gpt2Config> = {
  name: "gpt2",
  architectures: ["GPT2LMHeadModel"],
  modelTypes: ["gpt2"],
  prefixes: ["transformer.", ""],
  probe: "wte.weight",

  readConfig(c: RawConfig, architecture: string): Gpt2Config {
    c.refuse("scale_attn_weights", (v) => v === true, "unscaled attention scores are not implemented");
    const dModel = c.int("n_embd");
    return {
      family: "gpt2",
      architecture,
      vocabSize: c.int("vocab_size"),
      dModel,
      nLayers: c.int("n_layer"),
      nHeads: c.int("n_head"),
      dMlp: c.has("n_inner") ? c.int("n_inner") : 4 * dModel,
      context: c.int("n_positions"),
      activation: c.activation("activation_function", "gelu_new"),
      layerNormEps: c.num("layer_norm_epsilon", 1e-5),
      tiedHead: c.bool("tie_word_embeddings", true),
      scaleByLayer: c.bool("scale_attn_by_inverse_layer_idx", false),
    };
  },

  async loadWeights(w: WeightLoader, c: Gpt2Config): Promise<void> {
    const { vocabSize: V, dModel: d, dMlp: m, context: P } = c;
    // Tied: some files also store the head, a copy of wte, which is ignored.
    await w.embeddingAndHead("wte.weight", "lm_head.weight", V, d, c.tiedHead);
    await w.copy("wpe", "wpe.weight", [P, d]);
    for (let l = 0; l < c.nLayers; l++) {
      const [p, h] = [`h.${l}`, `h.${l}`];
      await w.copy(`${p}.ln1.g`, `${h}.ln_1.weight`, [d]);
      await w.copy(`${p}.ln1.b`, `${h}.ln_1.bias`, [d]);
      await w.copy(`${p}.attn.qkv.w`, `${h}.attn.c_attn.weight`, [d, 3 * d]);
      await w.copy(`${p}.attn.qkv.b`, `${h}.attn.c_attn.bias`, [3 * d]);
      await w.copy(`${p}.attn.out.w`, `${h}.attn.c_proj.weight`, [d, d]);
      await w.copy(`${p}.attn.out.b`, `${h}.attn.c_proj.bias`, [d]);
      await w.copy(`${p}.ln2.g`, `${h}.ln_2.weight`, [d]);
      await w.copy(`${p}.ln2.b`, `${h}.ln_2.bias`, [d]);
      await w.copy(`${p}.mlp.in.w`, `${h}.mlp.c_fc.weight`, [d, m]);
      await w.copy(`${p}.mlp.in.b`, `${h}.mlp.c_fc.bias`, [m]);
      await w.copy(`${p}.mlp.out.w`, `${h}.mlp.c_proj.weight`, [m, d]);
      await w.copy(`${p}.mlp.out.b`, `${h}.mlp.c_proj.bias`, [d]);
    }
    await w.copy("lnf.g", "ln_f.weight", [d]);
    await w.copy("lnf.b", "ln_f.bias", [d]);
  },

  forward(tokens: tf.Tensor2D, f: Layers, c: Gpt2Config): tf.Tensor2D {
    const [B, T] = tokens.shape;
    let x = f.cast(addPositions(embedTokens(tokens, f), B, T, 0, f)); // (B·T, d)
    const hs = c.dModel / c.nHeads;
    for (let l = 0; l < c.nLayers; l++) {
      x = block(l, x, B, T, f, c, "pre-norm", { nHeads: c.nHeads, scale: 1 / Math.sqrt(hs) / (c.scaleByLayer ? l + 1 : 1) });
    }
    f.capture?.("resid", c.nLayers, x);
    return f.linear("head", -1, "head", f.norm("lnf", x)); // (B·T, V)
  },
};
