import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { CharTokenizer } from "../../src/data/tokenizer.js";
import { Transformer } from "../../src/model/transformer.js";
import { saveAsGpt2 } from "../../src/pretrained/export.js";
import { loadPretrained } from "../../src/pretrained/load.js";
import { SafetensorsFile, safetensorsBytes, toFloat32 } from "../../src/pretrained/safetensors.js";
import { testBackend } from "../helpers/backend.js";

const dir = () => mkdtempSync(join(tmpdir(), "qs-st-"));

/** A file from a raw header object and data bytes, with the 8-byte little-endian length in front. */
function rawFile(header: string, data: Uint8Array): string {
  const file = join(dir(), "model.safetensors");
  const h = Buffer.from(header);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  writeFileSync(file, Buffer.concat([len, h, data]));
  return file;
}

const two = [
  { name: "a", shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
  { name: "b", shape: [4], data: Float32Array.from([-1, 0.5, 1e-3, 7]) },
];

test("a written file reads back exactly, and F16/BF16 convert to the values they encode", async () => {
  const file = join(dir(), "model.safetensors");
  writeFileSync(file, safetensorsBytes(two));
  const st = await SafetensorsFile.open(file);
  assert.deepEqual([...st.tensors.keys()].sort(), ["a", "b"]);
  assert.deepEqual(Array.from(await st.read("b")), Array.from(two[1]!.data));
  await st.close();
  // 0x3C00 = 1, 0xC000 = −2, 0x0001 = 2^-24 (smallest subnormal), 0x7BFF = 65504, 0x7C00 = +Inf.
  assert.deepEqual(Array.from(toFloat32(new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x0001, 0x7bff, 0x7c00]).buffer), "F16")), [1, -2, 2 ** -24, 65504, Infinity]);
  // BF16 0x3F80 = 1, 0xC0A0 = −5, 0x3E20 = 0.15625.
  assert.deepEqual(Array.from(toFloat32(new Uint8Array(new Uint16Array([0x3f80, 0xc0a0, 0x3e20]).buffer), "BF16")), [1, -5, 0.15625]);
});

test("malformed files each get a clear error naming the file and the problem", async () => {
  const good = safetensorsBytes(two);
  const cases: [string, string, RegExp][] = [];
  const truncated = join(dir(), "model.safetensors");
  writeFileSync(truncated, good.subarray(0, good.length - 5));
  cases.push(["truncated data", truncated, /model\.safetensors: truncated safetensors file: .* first tensor cut off: 'b'/]);
  const shortHeader = join(dir(), "model.safetensors");
  writeFileSync(shortHeader, good.subarray(0, 20));
  cases.push(["truncated header", shortHeader, /truncated safetensors file: header of \d+ bytes announced but only 12 bytes follow/]);
  const tiny = join(dir(), "model.safetensors");
  writeFileSync(tiny, good.subarray(0, 5));
  cases.push(["no length", tiny, /truncated safetensors file: 5 bytes/]);
  cases.push(["bad JSON", rawFile('{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]', new Uint8Array(4)), /bad safetensors header JSON/]);
  cases.push(["offsets past the data", rawFile(JSON.stringify({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] }, b: { dtype: "F32", shape: [1], data_offsets: [40, 44] } }), new Uint8Array(8)), /tensor 'b': offsets out of range: data_offsets \[40, 44\] reach past the 8 bytes of data/]);
  cases.push(["offsets disagreeing with the shape", rawFile(JSON.stringify({ a: { dtype: "F32", shape: [2], data_offsets: [0, 4] } }), new Uint8Array(8)), /tensor 'a': offsets out of range: .* span 4 bytes but F32 \[2\] needs 8/]);
  cases.push(["reversed offsets", rawFile(JSON.stringify({ a: { dtype: "F32", shape: [0], data_offsets: [8, 0] } }), new Uint8Array(8)), /tensor 'a': offsets out of range/]);
  cases.push(["overlapping tensors", rawFile(JSON.stringify({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [2], data_offsets: [4, 12] } }), new Uint8Array(12)), /overlapping tensors 'a' \[0, 8\) and 'b' \[4, 12\)/]);
  cases.push(["unknown dtype", rawFile(JSON.stringify({ a: { dtype: "F17", shape: [1], data_offsets: [0, 4] } }), new Uint8Array(4)), /tensor 'a' has dtype "F17"; valid dtypes: F64, F32/]);
  for (const [what, file, message] of cases) {
    await assert.rejects(SafetensorsFile.open(file), (err: Error) => {
      assert.match(err.message, message, what);
      assert.ok(err.message.startsWith(file), `${what}: error does not name the file: ${err.message}`);
      return true;
    });
  }
  const ints = await SafetensorsFile.open(rawFile(JSON.stringify({ ids: { dtype: "I64", shape: [1], data_offsets: [0, 8] } }), new Uint8Array(8)));
  await assert.rejects(ints.read("ids"), /tensor 'ids' has dtype I64; weights must be one of F32, F16, BF16, F64/);
  await ints.close();
});

test("our Transformer saved as a GPT-2 folder loads back as the same model (same logits, same tokens)", async () => {
  await testBackend();
  const config = { vocabSize: 96, dModel: 32, nLayers: 2, nHeads: 4, dMlp: 64, context: 16 };
  const ours = Transformer.create(config, 4);
  const tok = new CharTokenizer();
  const out = dir();
  await saveAsGpt2(ours, tok, out);
  const before = tf.memory();
  const { model, tokenizer, unusedTensors } = await loadPretrained(out);
  assert.deepEqual(unusedTensors, []);
  // One float32 copy of the weights is all the load leaves behind: no raw buffers, no transposed twins.
  const weights = [...model.params.values()].reduce((a, v) => a + v.size, 0);
  assert.equal(tf.memory().numBytes - before.numBytes, 4 * weights);
  assert.equal(tf.memory().numTensors - before.numTensors, model.params.size);
  const text = "The cat sat.\n12+30=42; ok";
  assert.deepEqual(Array.from(tokenizer!.encode(text)), Array.from(tok.encode(text)));
  assert.equal(tokenizer!.decode(tokenizer!.encode(text)), text);
  const ids = tf.tensor2d(tok.encode(text.slice(0, 16)), [1, 16], "int32");
  const [a, b] = [await ours.forward(ids).data(), await model.forward(ids).data()];
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-5 * (1 + Math.abs(a[i]!)), `logit ${i}: ${a[i]} vs ${b[i]}`);
  // The loaded model uses the same parameter names, so per-layer metrics line up with our own models'.
  for (const name of ours.params.keys()) assert.ok(model.params.has(name), `loaded model lacks '${name}'`);
  ours.dispose();
  model.dispose();
  ids.dispose();
});

test("loader errors name the architecture, the tensor and the file", async () => {
  await testBackend();
  const out = dir();
  const m = Transformer.create({ vocabSize: 96, dModel: 16, nLayers: 2, nHeads: 2, dMlp: 32, context: 8 }, 1);
  await saveAsGpt2(m, new CharTokenizer(), out);
  m.dispose();
  const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8")) as Record<string, unknown>;
  const withConfig = (patch: Record<string, unknown>) => writeFileSync(join(out, "config.json"), JSON.stringify({ ...config, ...patch }));
  withConfig({ architectures: ["LlamaForCausalLM"] });
  await assert.rejects(loadPretrained(out), /config\.json: architectures \["LlamaForCausalLM"\] is not supported; supported: GPT2LMHeadModel, GPTNeoXForCausalLM, OPTForCausalLM/);
  withConfig({ n_layer: 3 });
  await assert.rejects(loadPretrained(out), /checkpoint has no tensor 'transformer\.h\.2\.ln_1\.weight'/);
  withConfig({ n_inner: 40 });
  await assert.rejects(loadPretrained(out), /model\.safetensors: tensor 'transformer\.h\.0\.mlp\.c_fc\.weight' has shape \[16, 32\], expected \[16, 40\]/);
  withConfig({ activation_function: "swish" });
  await assert.rejects(loadPretrained(out), /activation 'activation_function' = "swish" is not supported; supported: gelu, gelu_new, gelu_pytorch_tanh, relu/);
  withConfig({});
  const file = join(out, "model.safetensors");
  const bytes = readFileSync(file);
  writeFileSync(file, bytes.subarray(0, bytes.length - 100));
  await assert.rejects(loadPretrained(out), (err: Error) => err.message.startsWith(file) && /truncated/.test(err.message));
  const opt = { architectures: ["OPTForCausalLM"], vocab_size: 96, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, ffn_dim: 32, max_position_embeddings: 8, word_embed_proj_dim: 8 };
  writeFileSync(join(out, "config.json"), JSON.stringify(opt));
  await assert.rejects(loadPretrained(out), /word_embed_proj_dim 8 ≠ hidden_size 16 .* is not supported/);
});
