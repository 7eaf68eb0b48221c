import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { loadPretrained } from "../../src/pretrained/load.js";
import { byteLevelTokenizerJson, byteToUnicode } from "../../src/pretrained/export.js";
import type { ActivationSite } from "../../src/model/transformer.js";
import { testBackend } from "../helpers/backend.js";
import { runPythonJson } from "../helpers/python.js";
import { relativeError, skipUnlessCi } from "./helpers.js";

const B = 2, T = 12, V = 300;

/** A tokenizer.json for the test folders (byte-level, no merges); its own tests are in tokenizer.test.ts. */
function writeTokenizer(dir: string): void {
  const vocab = Object.fromEntries(byteToUnicode().map((c, i) => [c, i]));
  writeFileSync(join(dir, "tokenizer.json"), JSON.stringify(byteLevelTokenizerJson(vocab, [])));
}

interface Case {
  readonly title: string;
  readonly family: string;
  readonly config: Record<string, unknown>;
  readonly dtype: "F32" | "F16" | "BF16";
  readonly prefix: string;
  readonly buffers?: boolean;
  readonly shards?: number;
  readonly tie?: boolean;
  /** Put the folder in a Hugging Face cache layout (models--org--name/snapshots/<rev>, refs/main). */
  readonly cache?: boolean;
}

const gpt2 = { architectures: ["GPT2LMHeadModel"], model_type: "gpt2", vocab_size: V, n_embd: 32, n_layer: 2, n_head: 4, n_positions: 16 };
const neox = { architectures: ["GPTNeoXForCausalLM"], model_type: "gpt_neox", vocab_size: V, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 80, max_position_embeddings: 16, hidden_act: "gelu", tie_word_embeddings: false };
const opt = { architectures: ["OPTForCausalLM"], model_type: "opt", vocab_size: V, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, ffn_dim: 64, max_position_embeddings: 16, activation_function: "relu", word_embed_proj_dim: 32 };

const CASES: Case[] = [
  { title: "GPT-2 as openai-community/gpt2 stores it: no prefix, attn.bias buffers, F32, gelu_new", family: "gpt2", config: gpt2, dtype: "F32", prefix: "", buffers: true },
  { title: "GPT-2 as save_pretrained writes it: transformer. prefix, a stored tied lm_head, F16, exact gelu, cache layout", family: "gpt2", config: { ...gpt2, activation_function: "gelu", n_inner: 48 }, dtype: "F16", prefix: "transformer.", tie: true, cache: true },
  { title: "Pythia-like GPT-NeoX: rotary_pct 0.25, parallel residual, BF16, two shards, inv_freq buffers", family: "gpt-neox", config: { ...neox, rotary_pct: 0.25, rotary_emb_base: 10000, use_parallel_residual: true }, dtype: "BF16", prefix: "gpt_neox.", buffers: true, shards: 2 },
  { title: "GPT-NeoX with full rotary, base 500, sequential residual, F32", family: "gpt-neox", config: { ...neox, rotary_pct: 1.0, rotary_emb_base: 500, use_parallel_residual: false }, dtype: "F32", prefix: "gpt_neox." },
  { title: "OPT-125m-like: pre-LayerNorm, final LayerNorm, positions at offset 2, tied head, F32", family: "opt", config: { ...opt, do_layer_norm_before: true }, dtype: "F32", prefix: "model.decoder.", tie: true },
  { title: "OPT with do_layer_norm_before false (post-LayerNorm, no final LayerNorm), F16", family: "opt", config: { ...opt, do_layer_norm_before: false }, dtype: "F16", prefix: "model.decoder." },
];

for (const c of CASES) {
  test(`${c.title}: logits match a PyTorch reference to 1e-4 relative`, async (t) => {
    await testBackend();
    const root = mkdtempSync(join(tmpdir(), "qs-pretrained-"));
    let dir = join(root, "model");
    const tokens = Array.from({ length: B * T }, (_, i) => (i * 37 + 11) % V);
    const ref = runPythonJson<{ skip?: string; logits: number[] }>("pretrained_reference.py", { ...c, dir, seed: 5, tokens, batch: B });
    if (ref.skip) return skipUnlessCi(t, ref.skip);
    writeTokenizer(dir);
    if (c.cache) {
      const cache = join(root, "models--org--tiny");
      mkdirSync(join(cache, "snapshots"), { recursive: true });
      mkdirSync(join(cache, "refs"));
      renameSync(dir, join(cache, "snapshots", "abc123"));
      writeFileSync(join(cache, "refs", "main"), "abc123\n");
      dir = cache;
    }
    const { model, unusedTensors, dir: resolved } = await loadPretrained(dir);
    if (c.cache) assert.match(resolved, /snapshots\/abc123$/);
    assert.deepEqual(unusedTensors, []);
    const seen = new Set<string>();
    const logits = model.forward(tf.tensor2d(tokens, [B, T], "int32"), { capture: (site: ActivationSite, layer: number) => void seen.add(`${site}@${layer}`) });
    assert.deepEqual(logits.shape, [B * T, V]);
    const err = relativeError(await logits.data(), ref.logits);
    t.diagnostic(`relative error ${err.toExponential(2)}`);
    assert.ok(err < 1e-4, `relative error ${err.toExponential(2)}`);
    const L = model.config.nLayers;
    for (let l = 0; l < L; l++) for (const s of ["resid", "attn.qkv", "attn.out", "mlp.in", "mlp.out"]) assert.ok(seen.has(`${s}@${l}`), `no capture at ${s}@${l}`);
    assert.ok(seen.has(`resid@${L}`) && seen.has("head@-1"));
    // Every linear weight is [in, out] under our names, so trackers and schemes find them.
    assert.deepEqual(model.params.get("h.0.attn.qkv.w")!.shape, [32, 96]);
    assert.deepEqual(model.params.get("h.1.mlp.out.w")!.shape, [model.config.dMlp, 32]);
    logits.dispose();
    model.dispose();
  });
}
