/**
 * Our own {@link Transformer} written as a Hugging Face GPT-2 folder (`config.json`,
 * `model.safetensors`, `tokenizer.json`): the architecture is GPT-2's with an untied, bias-free head,
 * so the folder loads in `transformers` (and in {@link loadPretrained}) as the same model. It gives
 * tests and notebooks a real checkpoint folder without a download.
 */
import { mkdir } from "node:fs/promises";
import * as tf from "@tensorflow/tfjs-core";
import { join } from "node:path";
import type { CharTokenizer } from "../data/tokenizer.js";
import type { Transformer } from "../model/transformer.js";
import { writeFileAtomic } from "../store/atomic.js";
import { safetensorsBytes, type TensorToWrite } from "./safetensors.js";

/**
 * GPT-2's reversible map from bytes to printable characters (`bytes_to_unicode` in its encoder):
 * printable Latin-1 bytes map to themselves, the rest to U+0100 onwards (space → `Ġ`, newline → `Ċ`).
 */
export function byteToUnicode(): string[] {
  const keep: number[] = [];
  for (let b = 33; b <= 126; b++) keep.push(b);
  for (let b = 161; b <= 172; b++) keep.push(b);
  for (let b = 174; b <= 255; b++) keep.push(b);
  const out: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) out[b] = String.fromCodePoint(keep.includes(b) ? b : 256 + extra++);
  return out;
}

/**
 * A byte-level BPE `tokenizer.json` (GPT-2's pre-tokenizer and decoder) with the given vocabulary
 * (token string → id, in byte-level characters) and merges, written in the newer `["a", "b"]` form
 * or the older `"a b"` form.
 */
export function byteLevelTokenizerJson(vocab: Record<string, number>, merges: readonly (readonly [string, string])[], mergeForm: "pairs" | "strings" = "pairs"): object {
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: byteLevel,
    decoder: byteLevel,
    model: {
      type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: "", end_of_word_suffix: "", fuse_unk: false, byte_fallback: false, ignore_merges: false,
      vocab,
      merges: mergeForm === "pairs" ? merges.map((m) => [...m]) : merges.map(([a, b]) => `${a} ${b}`),
    },
  };
}

/** Writes `model` (and its character tokenizer, as byte-level BPE without merges) as a GPT-2 folder in `dir`. */
export async function saveAsGpt2(model: Transformer, tokenizer: CharTokenizer, dir: string): Promise<void> {
  const { vocabSize: V, dModel: d, nLayers: L, nHeads: H, dMlp: m, context: T } = model.config;
  if (tokenizer.vocabSize !== V) throw new Error(`tokenizer has ${tokenizer.vocabSize} tokens but the model ${V}`);
  const tensors: TensorToWrite[] = [];
  const put = async (name: string, ours: string) => {
    const v = model.params.get(ours);
    if (!v) throw new Error(`model has no parameter '${ours}'`);
    tensors.push({ name, shape: v.shape, data: (await v.data()) as Float32Array });
  };
  await put("transformer.wte.weight", "wte");
  await put("transformer.wpe.weight", "wpe");
  const names: [string, string][] = [["ln_1", "ln1"], ["attn.c_attn", "attn.qkv"], ["attn.c_proj", "attn.out"], ["ln_2", "ln2"], ["mlp.c_fc", "mlp.in"], ["mlp.c_proj", "mlp.out"]];
  for (let l = 0; l < L; l++) {
    for (const [theirs, ours] of names) {
      const norm = theirs.startsWith("ln");
      await put(`transformer.h.${l}.${theirs}.weight`, `h.${l}.${ours}.${norm ? "g" : "w"}`);
      await put(`transformer.h.${l}.${theirs}.bias`, `h.${l}.${ours}.b`);
    }
  }
  await put("transformer.ln_f.weight", "lnf.g");
  await put("transformer.ln_f.bias", "lnf.b");
  // nn.Linear stores [out, in]: the head's [d, V] transposed.
  const headT = tf.transpose(model.params.get("head.w")!);
  tensors.push({ name: "lm_head.weight", shape: [V, d], data: (await headT.data()) as Float32Array });
  headT.dispose();

  const config = {
    architectures: ["GPT2LMHeadModel"], model_type: "gpt2",
    vocab_size: V, n_embd: d, n_layer: L, n_head: H, n_inner: m, n_positions: T, n_ctx: T,
    activation_function: "gelu_new", layer_norm_epsilon: 1e-5, tie_word_embeddings: false,
    resid_pdrop: 0, embd_pdrop: 0, attn_pdrop: 0,
  };
  const bytes = byteToUnicode();
  const vocab: Record<string, number> = {};
  for (const [i, ch] of Array.from(tokenizer.alphabet).entries()) {
    const code = ch.codePointAt(0)!;
    if (code > 255) throw new Error(`character ${JSON.stringify(ch)} is not a single byte; only byte alphabets export`);
    vocab[bytes[code]!] = i;
  }
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, "model.safetensors"), safetensorsBytes(tensors));
  await writeFileAtomic(join(dir, "config.json"), Buffer.from(JSON.stringify(config, null, 2)));
  await writeFileAtomic(join(dir, "tokenizer.json"), Buffer.from(JSON.stringify(byteLevelTokenizerJson(vocab, []))));
}
