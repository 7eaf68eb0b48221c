/**
 * GPT-NeoX / Pythia (`GPTNeoXForCausalLM`): rotary embeddings on the first `rotary_pct` of each
 * head's features (`rotate_half` convention, base `rotary_emb_base`), a parallel residual when
 * `use_parallel_residual`, exact (erf) GELU per `hidden_act`, and an untied head `embed_out`.
 *
 * `query_key_value` is an nn.Linear (`[out, in]`) whose output is laid out per head as
 * `[q_h | k_h | v_h]`; loading transposes it and reorders its columns to our `[q | k | v]`, which
 * changes no quantization result (column order is irrelevant to per-tensor and per-channel scales, and
 * groups run along the input rows).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { PretrainedConfig, RawConfig } from "../config.js";
import type { Family, WeightLoader } from "../family.js";
import { block, embedTokens, type Layers, type Rotary } from "../layers.js";

export interface GptNeoxConfig extends PretrainedConfig {
  readonly rotary: Rotary;
  readonly parallelResidual: boolean;
  /** `attention_bias`: query_key_value and dense have biases (true for Pythia). */
  readonly attentionBias: boolean;
}

export const gptNeox: Family<GptNeoxConfig> = {
  name: "gpt-neox",
  architectures: ["GPTNeoXForCausalLM"],
  modelTypes: ["gpt_neox"],
  prefixes: ["gpt_neox.", ""],
  probe: "embed_in.weight",

  readConfig(c: RawConfig, architecture: string): GptNeoxConfig {
    // Newer transformers releases spell the rotary settings as rope_parameters / partial_rotary_factor / rope_theta.
    const rope = (c.raw["rope_parameters"] ?? {}) as Record<string, unknown>;
    if (rope["rope_type"] !== undefined && rope["rope_type"] !== "default") throw new Error(`${c.file}: rope_parameters.rope_type ${JSON.stringify(rope["rope_type"])} is not supported; supported: default`);
    c.refuse("rope_scaling", (v) => v === null, "scaled rotary embeddings are not implemented");
    const dModel = c.int("hidden_size");
    const nHeads = c.int("num_attention_heads");
    const hs = dModel / nHeads;
    const pct = c.has("rotary_pct") ? c.num("rotary_pct") : c.has("partial_rotary_factor") ? c.num("partial_rotary_factor") : typeof rope["partial_rotary_factor"] === "number" ? rope["partial_rotary_factor"] : 0.25;
    const base = c.has("rotary_emb_base") ? c.num("rotary_emb_base") : c.has("rope_theta") ? c.num("rope_theta") : typeof rope["rope_theta"] === "number" ? rope["rope_theta"] : 10000;
    const dims = Math.floor(hs * pct);
    if (dims % 2 !== 0 || dims < 0) throw new Error(`${c.file}: rotary_pct ${pct} of head size ${hs} gives ${dims} rotary features; it must be even`);
    return {
      family: "gpt-neox",
      architecture,
      vocabSize: c.int("vocab_size"),
      dModel,
      nLayers: c.int("num_hidden_layers"),
      nHeads,
      dMlp: c.int("intermediate_size"),
      context: c.int("max_position_embeddings"),
      activation: c.activation("hidden_act", "gelu"),
      layerNormEps: c.num("layer_norm_eps", 1e-5),
      tiedHead: c.bool("tie_word_embeddings", false),
      rotary: { dims, base },
      parallelResidual: c.bool("use_parallel_residual", true),
      attentionBias: c.bool("attention_bias", true),
    };
  },

  async loadWeights(w: WeightLoader, c: GptNeoxConfig): Promise<void> {
    const { vocabSize: V, dModel: d, dMlp: m, nHeads: nh } = c;
    const hs = d / nh;
    await w.embeddingAndHead("embed_in.weight", "embed_out.weight", V, d, c.tiedHead);
    for (let l = 0; l < c.nLayers; l++) {
      const [p, h] = [`h.${l}`, `layers.${l}`];
      await w.copy(`${p}.ln1.g`, `${h}.input_layernorm.weight`, [d]);
      await w.copy(`${p}.ln1.b`, `${h}.input_layernorm.bias`, [d]);
      // (3·d, d) rows ordered (head, q/k/v, feature) → columns of (d, 3·d) ordered (q/k/v, head, feature).
      const qkv = await w.tensor(`${h}.attention.query_key_value.weight`, [3 * d, d]);
      w.set(`${p}.attn.qkv.w`, tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(qkv, [nh, 3, hs, d]), [3, 1, 0, 2]), [d, 3 * d]))); // (nh, 3, hs, d) → (d, 3, nh, hs) → (d, 3·d)
      qkv.dispose();
      await w.linear(`${p}.attn.out.w`, `${h}.attention.dense.weight`, d, d);
      if (c.attentionBias) {
        const b = await w.tensor(`${h}.attention.query_key_value.bias`, [3 * d]);
        w.set(`${p}.attn.qkv.b`, tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(b, [nh, 3, hs]), [1, 0, 2]), [3 * d]))); // (nh, 3, hs) → (3, nh, hs) → (3·d)
        b.dispose();
        await w.copy(`${p}.attn.out.b`, `${h}.attention.dense.bias`, [d]);
      }
      await w.copy(`${p}.ln2.g`, `${h}.post_attention_layernorm.weight`, [d]);
      await w.copy(`${p}.ln2.b`, `${h}.post_attention_layernorm.bias`, [d]);
      await w.linear(`${p}.mlp.in.w`, `${h}.mlp.dense_h_to_4h.weight`, m, d);
      await w.copy(`${p}.mlp.in.b`, `${h}.mlp.dense_h_to_4h.bias`, [m]);
      await w.linear(`${p}.mlp.out.w`, `${h}.mlp.dense_4h_to_h.weight`, d, m);
      await w.copy(`${p}.mlp.out.b`, `${h}.mlp.dense_4h_to_h.bias`, [d]);
    }
    await w.copy("lnf.g", "final_layer_norm.weight", [d]);
    await w.copy("lnf.b", "final_layer_norm.bias", [d]);
  },

  forward(tokens: tf.Tensor2D, f: Layers, c: GptNeoxConfig): tf.Tensor2D {
    const [B, T] = tokens.shape;
    let x = f.cast(embedTokens(tokens, f)); // (B·T, d)
    const attn = { nHeads: c.nHeads, scale: 1 / Math.sqrt(c.dModel / c.nHeads), rotary: c.rotary.dims > 0 ? c.rotary : undefined };
    for (let l = 0; l < c.nLayers; l++) x = block(l, x, B, T, f, c, c.parallelResidual ? "parallel" : "pre-norm", attn);
    f.capture?.("resid", c.nLayers, x);
    return f.linear("head", -1, "head", f.norm("lnf", x)); // (B·T, V)
  },
};
