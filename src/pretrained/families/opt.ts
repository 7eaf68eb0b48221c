/**
 * OPT (`OPTForCausalLM`): learned positions read at offset 2 (a quirk of fairseq's padding
 * convention), ReLU, `do_layer_norm_before` choosing pre- or post-LayerNorm blocks, the final
 * LayerNorm only in the pre-norm models, head tied to `embed_tokens`.
 *
 * Separate `q_proj`, `k_proj`, `v_proj` are fused at load into one `attn.qkv` site (`[q | k | v]`
 * columns, as GPT-2): they share one input, so activation quantization and calibration are
 * unchanged, and per-channel weight scales too; a per-tensor weight scale then spans q, k and v.
 * `word_embed_proj_dim` ≠ `hidden_size` (OPT-350m's project_in/out) is refused.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { PretrainedConfig, RawConfig } from "../config.js";
import type { Family, WeightLoader } from "../family.js";
import { addPositions, block, embedTokens, type Layers } from "../layers.js";

export interface OptConfig extends PretrainedConfig {
  readonly preNorm: boolean;
  readonly finalNorm: boolean;
  /** `enable_bias`: linear layers have biases. */
  readonly bias: boolean;
}

/** OPT's learned position table starts with two rows no position uses. */
const POSITION_OFFSET = 2;

export const opt: Family<OptConfig> = {
  name: "opt",
  architectures: ["OPTForCausalLM"],
  modelTypes: ["opt"],
  prefixes: ["model.decoder.", "decoder.", ""],
  probe: "embed_tokens.weight",

  readConfig(c: RawConfig, architecture: string): OptConfig {
    const dModel = c.int("hidden_size");
    if (c.has("word_embed_proj_dim") && c.int("word_embed_proj_dim") !== dModel) {
      throw new Error(`${c.file}: word_embed_proj_dim ${c.raw["word_embed_proj_dim"]} ≠ hidden_size ${dModel} (project_in/project_out, as in OPT-350m) is not supported; models with equal sizes (OPT-125m, 1.3b, …) are`);
    }
    c.refuse("layer_norm_elementwise_affine", (v) => v === true, "LayerNorms without gain and bias are not implemented");
    const preNorm = c.bool("do_layer_norm_before", true);
    return {
      family: "opt",
      architecture,
      vocabSize: c.int("vocab_size"),
      dModel,
      nLayers: c.int("num_hidden_layers"),
      nHeads: c.int("num_attention_heads"),
      dMlp: c.int("ffn_dim"),
      context: c.int("max_position_embeddings"),
      activation: c.activation("activation_function", "relu"),
      layerNormEps: 1e-5,
      tiedHead: c.bool("tie_word_embeddings", true),
      preNorm,
      finalNorm: preNorm && !c.bool("_remove_final_layer_norm", false),
      bias: c.bool("enable_bias", true),
    };
  },

  async loadWeights(w: WeightLoader, c: OptConfig): Promise<void> {
    const { vocabSize: V, dModel: d, dMlp: m, context: P } = c;
    await w.embeddingAndHead("embed_tokens.weight", "lm_head.weight", V, d, c.tiedHead);
    await w.copy("wpe", "embed_positions.weight", [P + POSITION_OFFSET, d]);
    for (let l = 0; l < c.nLayers; l++) {
      const [p, h] = [`h.${l}`, `layers.${l}`];
      await w.copy(`${p}.ln1.g`, `${h}.self_attn_layer_norm.weight`, [d]);
      await w.copy(`${p}.ln1.b`, `${h}.self_attn_layer_norm.bias`, [d]);
      const q = await w.tensor(`${h}.self_attn.q_proj.weight`, [d, d]);
      const k = await w.tensor(`${h}.self_attn.k_proj.weight`, [d, d]);
      const v = await w.tensor(`${h}.self_attn.v_proj.weight`, [d, d]);
      w.set(`${p}.attn.qkv.w`, tf.tidy(() => tf.transpose(tf.concat([q, k, v], 0)))); // 3 × (d, d) → (3·d, d) → (d, 3·d)
      tf.dispose([q, k, v]);
      await w.linear(`${p}.attn.out.w`, `${h}.self_attn.out_proj.weight`, d, d);
      await w.copy(`${p}.ln2.g`, `${h}.final_layer_norm.weight`, [d]);
      await w.copy(`${p}.ln2.b`, `${h}.final_layer_norm.bias`, [d]);
      await w.linear(`${p}.mlp.in.w`, `${h}.fc1.weight`, m, d);
      await w.linear(`${p}.mlp.out.w`, `${h}.fc2.weight`, d, m);
      if (c.bias) {
        const bs = await Promise.all(["q_proj", "k_proj", "v_proj"].map((n) => w.tensor(`${h}.self_attn.${n}.bias`, [d])));
        w.set(`${p}.attn.qkv.b`, tf.concat(bs)); // 3 × (d) → (3·d)
        tf.dispose(bs);
        await w.copy(`${p}.attn.out.b`, `${h}.self_attn.out_proj.bias`, [d]);
        await w.copy(`${p}.mlp.in.b`, `${h}.fc1.bias`, [m]);
        await w.copy(`${p}.mlp.out.b`, `${h}.fc2.bias`, [d]);
      }
    }
    if (c.finalNorm) {
      await w.copy("lnf.g", "final_layer_norm.weight", [d]);
      await w.copy("lnf.b", "final_layer_norm.bias", [d]);
    }
  },

  forward(tokens: tf.Tensor2D, f: Layers, c: OptConfig): tf.Tensor2D {
    const [B, T] = tokens.shape;
    let x = f.cast(addPositions(embedTokens(tokens, f), B, T, POSITION_OFFSET, f)); // (B·T, d)
    const attn = { nHeads: c.nHeads, scale: 1 / Math.sqrt(c.dModel / c.nHeads) };
    for (let l = 0; l < c.nLayers; l++) x = block(l, x, B, T, f, c, c.preNorm ? "pre-norm" : "post-norm", attn);
    f.capture?.("resid", c.nLayers, x);
    return f.linear("head", -1, "head", c.finalNorm ? f.norm("lnf", x) : x); // (B·T, V)
  },
};
