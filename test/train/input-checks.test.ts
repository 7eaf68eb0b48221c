import { test } from "node:test";
import assert from "node:assert/strict";
import { builtinDataset } from "../../src/data/builtin.js";
import { CONFIGS } from "../../src/model/config.js";
import { Transformer } from "../../src/model/transformer.js";
import { DivergenceDetector } from "../../src/train/divergence.js";
import { makeRecipe } from "../../src/train/recipe.js";
import { Trainer } from "../../src/train/trainer.js";
import { testBackend } from "../helpers/backend.js";

const micro = { ...CONFIGS.micro, nLayers: 1, context: 16 };

test("recipes with non-finite or out-of-range values are refused, naming the option", () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ lr: Infinity }, /recipe\.lr must be a finite number > 0, got Infinity/],
    [{ lr: NaN }, /recipe\.lr/],
    [{ weightDecay: Infinity }, /recipe\.weightDecay must be a finite number >= 0, got Infinity/],
    [{ minLrFraction: NaN }, /recipe\.minLrFraction must be in \[0, 1\], got NaN/],
    [{ minLrFraction: -5 }, /recipe\.minLrFraction must be in \[0, 1\], got -5/],
    [{ eps: Infinity }, /recipe\.eps/],
    [{ clipNorm: Infinity }, /recipe\.clipNorm must be a finite number > 0, or null/],
    [{ seed: NaN }, /recipe\.seed must be a non-negative integer, got NaN/],
    [{ seed: 1.5 }, /recipe\.seed/],
    [{ seed: -1 }, /recipe\.seed/],
  ];
  for (const [partial, message] of bad) assert.throws(() => makeRecipe(partial), message, JSON.stringify(partial));
  assert.doesNotThrow(() => makeRecipe({ minLrFraction: 0, clipNorm: null, seed: 0 }));
});

test("a model refuses a NaN seed and token ids outside its vocabulary", async () => {
  await testBackend();
  assert.throws(() => Transformer.create(micro, NaN), /Transformer\.create seed must be a non-negative integer, got NaN/);
  const model = Transformer.create(micro, 1);
  const batch = { batch: 1, context: 4, x: Int32Array.from([1, 2, 96, 3]), y: Int32Array.from([2, 3, 4, 5]) };
  assert.throws(() => model.loss(batch), /batch\.x\[2\] = 96 is not a token id of this model \(0 … 95\)/);
  assert.throws(() => model.loss({ ...batch, x: Int32Array.from([1, 2, 3, 4]), y: Int32Array.from([0, -1, 0, 0]) }), /batch\.y\[1\] = -1/);
  model.loss({ ...batch, x: Int32Array.from([1, 2, 95, 3]) }).dispose();
  model.dispose();
});

test("DivergenceDetector: non-finite at once, a finite blow-up after `patience` steps, a recovered spike never", () => {
  const run = (losses: number[], rule = { factor: 3, patience: 3 }) => {
    const d = new DivergenceDetector(rule);
    for (let i = 0; i < losses.length; i++) {
      const at = d.observe(i + 1, losses[i]!);
      if (at !== null) return at;
    }
    return null;
  };
  assert.equal(run([4, 3, NaN]), 3);
  assert.equal(run([4, 3, Infinity]), 3);
  assert.equal(run([4, 2, 7, 7, 7, 7]), 3, "above 3 × 2 from step 3, three steps in a row: diverged at 3");
  assert.equal(run([4, 2, 7, 7, 5, 7, 7]), null, "the streak was broken at step 5");
  assert.equal(run([4, 2, 5.9, 5.9, 5.9, 5.9]), null, "never above 3 × the minimum");
  assert.equal(new DivergenceDetector(null).observe(1, 1e9), null);
  assert.equal(new DivergenceDetector(null).observe(1, NaN), 1);
  assert.throws(() => new DivergenceDetector({ factor: 1, patience: 3 }), /divergence\.factor must be a finite number > 1/);
  assert.throws(() => new DivergenceDetector({ factor: 3, patience: 0 }), /divergence\.patience must be a positive integer/);
});

test("training at lr 10 is reported as diverged even though its loss stays finite", async () => {
  await testBackend();
  const train = async (lr: number, divergence?: null) => {
    const model = Transformer.create(micro, 2);
    const trainer = new Trainer(model, builtinDataset(), { steps: 40, batchSize: 4, lr, warmupSteps: 0, seed: 2 });
    const result = await trainer.run(divergence === null ? { divergence } : {});
    trainer.dispose();
    model.dispose();
    return result;
  };
  const blown = await train(10);
  assert.equal(blown.status, "diverged");
  assert.ok(blown.losses.every(Number.isFinite), "the loss stayed finite");
  assert.ok(blown.divergedAt !== null && blown.steps < 40, `stopped at ${blown.steps}`);
  const unchecked = await train(10, null);
  assert.equal(unchecked.status, "finished", "with the rule off only non-finite losses count");
  assert.ok(Math.max(...unchecked.losses) > 3 * Math.min(...unchecked.losses));
  assert.equal((await train(3e-3)).status, "finished");
});
