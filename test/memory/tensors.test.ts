import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { evalBatches } from "../../src/data/batches.js";
import { builtinDataset } from "../../src/data/builtin.js";
import { taskSet } from "../../src/evaluate/evaluate.js";
import { quantizeAndEvaluate } from "../../src/evaluate/sweep.js";
import { CONFIGS } from "../../src/model/config.js";
import { Transformer } from "../../src/model/transformer.js";
import { PAPER_SCHEMES } from "../../src/quantize/schemes.js";
import { OutlierTracker } from "../../src/track/tracker.js";
import { Trainer } from "../../src/train/trainer.js";
import { testBackend } from "../helpers/backend.js";

const micro = { ...CONFIGS.micro, nLayers: 1, context: 16 };

/** Runs `work` and returns how many tensors it left alive. */
async function leftAlive(work: () => Promise<void> | void): Promise<number> {
  const before = tf.memory().numTensors;
  await work();
  return tf.memory().numTensors - before;
}

test("no tensor outlives its owner: create/dispose, training, tracking, quantizing and evaluating", async () => {
  await testBackend();
  const data = builtinDataset();
  assert.equal(await leftAlive(() => Transformer.create(micro, 1).dispose()), 0, "Transformer.create + dispose");

  assert.equal(await leftAlive(async () => {
    const model = Transformer.create(micro, 1);
    const trainer = new Trainer(model, data, { steps: 3, batchSize: 2, warmupSteps: 1, clipNorm: 0.5, weightDecay: 0.1, dropout: { embedding: 0.1, attention: 0.1, residual: 0.1 } });
    const tracker = new OutlierTracker("leak", { every: 1 });
    await trainer.run({ hooks: [tracker] });
    trainer.dispose();
    model.dispose();
  }), 0, "Trainer.run with dropout, clipping and an OutlierTracker");

  assert.equal(await leftAlive(async () => {
    const model = Transformer.create(micro, 1);
    const trainer = new Trainer(model, data, { steps: 2, batchSize: 2, precision: "fp16" });
    await trainer.run();
    trainer.dispose();
    model.dispose();
  }), 0, "fp16 training with loss scaling");

  const model = Transformer.create(micro, 1);
  const windows = evalBatches(data.heldOut, 2, micro.context, 2);
  const task = taskSet(data.tokenizer, micro.context, 4);
  // Every scheme, calibration included; kernel caches that tfjs keeps for a backend are made on first use, so warm up once.
  await quantizeAndEvaluate(model, "warm", "r", PAPER_SCHEMES, windows, windows, task);
  assert.equal(await leftAlive(() => quantizeAndEvaluate(model, "leak", "r", PAPER_SCHEMES, windows, windows, task).then(() => {})), 0, "quantizeAndEvaluate over every paper scheme");
  model.dispose();
});
