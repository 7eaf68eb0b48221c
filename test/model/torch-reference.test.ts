import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "../../src/ops/gradients.js";
import { BatchSampler } from "../../src/data/batches.js";
import { builtinDataset } from "../../src/data/builtin.js";
import { paramKind } from "../../src/model/params.js";
import { Transformer } from "../../src/model/transformer.js";
import { AdamW } from "../../src/train/adamw.js";
import { testBackend } from "../helpers/backend.js";
import { runPythonJson } from "../helpers/python.js";
import { skipOrFail } from "../helpers/require-tool.js";

const config = { vocabSize: 96, dModel: 32, nLayers: 2, nHeads: 4, dMlp: 64, context: 16 };

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

interface Reference {
  skip?: string;
  loss: number;
  logits: number[];
  grads: Record<string, number[]>;
  updated: Record<string, number[]>;
}

test("forward, gradients and one AdamW step match PyTorch on the same weights", async (t) => {
  await testBackend();
  // Random LayerNorm gains and biases too, so their gradients and decay switches are exercised.
  const model = Transformer.create(config, 3);
  for (const [name, v] of model.params) if (paramKind(name) === "norm" || paramKind(name) === "bias") v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.1, "float32", 7)));
  const batch = new BatchSampler(builtinDataset().train, 2, config.context, 11).next();
  const params: Record<string, { shape: number[]; data: number[] }> = {};
  for (const [name, v] of model.params) params[name] = { shape: v.shape, data: Array.from(await v.data()) };
  const opt = { lr: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, decayed: [...model.params.keys()].filter((n) => paramKind(n) === "matrix") };

  const ref = runPythonJson<Reference>("torch_reference.py", { config, params, batch: { ...batch, x: Array.from(batch.x), y: Array.from(batch.y) }, optimizer: opt });
  if (ref.skip) return skipOrFail(t, ref.skip);

  const logits = model.forward(tf.tensor2d(batch.x, [batch.batch, batch.context], "int32"));
  assert.ok(maxAbsDiff(await logits.data(), ref.logits) < 2e-5, "logits differ");
  const names = [...model.params.keys()];
  const vars = [...model.params.values()];
  const { value, grads } = tf.variableGrads(() => model.loss(batch), vars);
  assert.ok(Math.abs((await value.data())[0]! - ref.loss) < 1e-5, `loss ${(await value.data())[0]} vs torch ${ref.loss}`);
  const byName = new Map(names.map((n, i) => [n, grads[vars[i]!.name]!]));
  for (const [name, g] of byName) {
    const ours = await g.data();
    const scale = Math.max(1e-3, ...ref.grads[name]!.map(Math.abs));
    assert.ok(maxAbsDiff(ours, ref.grads[name]!) / scale < 1e-3, `gradient of ${name} differs`);
  }
  const adam = new AdamW(model.params, { ...opt, decoupled: true, decays: (n) => opt.decayed.includes(n) });
  adam.apply(byName, opt.lr);
  for (const [name, v] of model.params) assert.ok(maxAbsDiff(await v.data(), ref.updated[name]!) < 1e-5, `updated ${name} differs`);
  model.dispose();
  adam.dispose();
});
