import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { builtinDataset } from "../../src/data/builtin.js";
import { CONFIGS } from "../../src/model/config.js";
import { readParams } from "../../src/model/params.js";
import { Transformer } from "../../src/model/transformer.js";
import { loadCheckpoint, saveCheckpoint } from "../../src/train/checkpoint.js";
import { Trainer } from "../../src/train/trainer.js";
import type { Recipe } from "../../src/train/recipe.js";
import { testBackend } from "../helpers/backend.js";

const micro = { ...CONFIGS.micro, context: 32 };
const data = builtinDataset();
const recipe: Partial<Recipe> = { steps: 6, batchSize: 4, lr: 3e-3, warmupSteps: 2, dropout: { embedding: 0.1, attention: 0.1, residual: 0.1 }, clipNorm: 1, weightDecay: 0.1, seed: 5 };

async function trainFresh(r: Partial<Recipe>, steps?: number): Promise<Trainer> {
  const trainer = new Trainer(Transformer.create(micro, r.seed ?? 0), data, r);
  if (steps === undefined) await trainer.run();
  else for (let i = 0; i < steps; i++) await trainer.trainStep();
  return trainer;
}

test("same seed, same backend: the same losses bit for bit", async () => {
  await testBackend();
  const a = await trainFresh(recipe);
  const b = await trainFresh(recipe);
  assert.deepEqual(a.losses, b.losses);
  const c = await trainFresh({ ...recipe, seed: 6 });
  assert.notDeepEqual(a.losses, c.losses);
});

test("checkpoint round trip is bit-exact and resuming gives identical losses", async () => {
  await testBackend();
  const dir = await mkdtemp(join(tmpdir(), "qs-ckpt-"));
  const straight = await trainFresh(recipe);
  const half = await trainFresh(recipe, 3);
  const path = join(dir, "run.qsckpt");
  await saveCheckpoint(half, path);
  const resumed = await loadCheckpoint(path, data);
  const [before, after] = [await readParams(half.model.params), await readParams(resumed.model.params)];
  for (const [name, v] of before) assert.deepEqual(after.get(name), v, name);
  assert.equal(resumed.step, 3);
  await resumed.run();
  assert.deepEqual(resumed.losses, straight.losses);
  const finalA = await readParams(straight.model.params), finalB = await readParams(resumed.model.params);
  for (const [name, v] of finalA) assert.deepEqual(finalB.get(name), v, name);
});

test("a damaged checkpoint is a clear error naming the file", async () => {
  await testBackend();
  const dir = await mkdtemp(join(tmpdir(), "qs-ckpt-"));
  const path = join(dir, "bad.qsckpt");
  await saveCheckpoint(await trainFresh(recipe, 1), path);
  const bytes = await readFile(path);
  await writeFile(path, bytes.subarray(0, bytes.length - 100));
  await assert.rejects(loadCheckpoint(path, data), new RegExp(`${path}.*truncated`));
  await writeFile(path, "not a checkpoint");
  await assert.rejects(loadCheckpoint(path, data), /not a quantscope checkpoint/);
});

test("a non-finite loss marks the run diverged at that step instead of crashing", async () => {
  await testBackend();
  const trainer = new Trainer(Transformer.create(micro, 0), data, { ...recipe, steps: 5 });
  await trainer.trainStep();
  trainer.model.params.get("head.w")!.assign(tf.fill(trainer.model.params.get("head.w")!.shape, NaN));
  const result = await trainer.run();
  assert.equal(result.status, "diverged");
  assert.equal(result.divergedAt, 2);
  assert.equal(result.steps, 2);
});

test("dropout is the identity in eval and scales kept units by 1/(1-p) in training", async () => {
  await testBackend();
  const model = Transformer.create(micro, 0);
  const x = tf.tensor2d(data.train.subarray(0, 32), [1, 32], "int32");
  const plain = await model.forward(x).data();
  const zeroRate = await model.forward(x, { dropout: { embedding: 0, attention: 0, residual: 0, seed: () => 1 } }).data();
  assert.deepEqual(zeroRate, plain);
  // Capture the embedding with dropout 0.5: every unit is either 0 or exactly twice its eval value.
  const grab = async (rate: number) => {
    let emb: Float32Array | undefined;
    model.forward(x, { dropout: { embedding: rate, attention: 0, residual: 0, seed: () => 42 }, capture: (site, layer, t) => { if (site === "resid" && layer === 0) emb = t.dataSync() as Float32Array; } });
    return emb!;
  };
  const [evalEmb, trainEmb] = [await grab(0), await grab(0.5)];
  let zeros = 0;
  for (let i = 0; i < evalEmb.length; i++) {
    if (trainEmb[i] === 0) zeros++;
    else assert.ok(Math.abs(trainEmb[i]! - 2 * evalEmb[i]!) < 1e-6);
  }
  assert.ok(zeros > evalEmb.length * 0.4 && zeros < evalEmb.length * 0.6, `${zeros} of ${evalEmb.length} dropped`);
  model.dispose();
});

test("fp16 and bf16 training run, with loss scaling for fp16", async () => {
  await testBackend();
  const fp16 = await trainFresh({ ...recipe, precision: "fp16", dropout: undefined });
  assert.equal(fp16.status, "finished");
  assert.ok(fp16.losses.every(Number.isFinite));
  assert.ok(fp16.lossScale !== null);
  const bf16 = await trainFresh({ ...recipe, precision: "bf16", dropout: undefined });
  const fp32 = await trainFresh({ ...recipe, precision: "fp32", dropout: undefined });
  assert.notDeepEqual(bf16.losses, fp32.losses, "bf16 rounding changes the numbers");
  assert.ok(Math.abs(bf16.losses[0]! - fp32.losses[0]!) < 0.05, "but not the first loss by much");
});

test("loss falls on the corpus within a few hundred steps of tiny", async () => {
  await testBackend();
  const trainer = new Trainer(Transformer.create(CONFIGS.tiny, 0), data, { steps: 150, batchSize: 4, lr: 3e-3, warmupSteps: 20, seed: 1 });
  const seen: number[] = [];
  const result = await trainer.run({ onStep: (s) => { seen.push(s.step); } });
  assert.equal(seen.length, 150);
  const first = result.losses.slice(0, 10).reduce((a, b) => a + b) / 10;
  const last = result.losses.slice(-10).reduce((a, b) => a + b) / 10;
  // ln(96) ≈ 4.56 at init; a model that learned character statistics is well under 3.
  assert.ok(first > 3.5, `initial loss ${first}`);
  assert.ok(last < 2.8, `loss after 150 steps ${last}`);
  trainer.model.dispose();
});
