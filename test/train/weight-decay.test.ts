import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { builtinDataset } from "../../src/data/builtin.js";
import { CONFIGS } from "../../src/model/config.js";
import { readParams } from "../../src/model/params.js";
import { Transformer } from "../../src/model/transformer.js";
import type { Recipe } from "../../src/train/recipe.js";
import { Trainer } from "../../src/train/trainer.js";
import { decaysParameter } from "../../src/train/weight-decay.js";
import { testBackend } from "../helpers/backend.js";

const micro = { ...CONFIGS.micro, nLayers: 1, context: 16 };

test("decaysParameter: matrices always, biases never, norms and embeddings on request", () => {
  const off = { decayNorms: false, decayEmbeddings: false };
  const on = { decayNorms: true, decayEmbeddings: true };
  for (const name of ["h.0.attn.qkv.w", "h.3.mlp.out.w", "head.w"]) {
    assert.equal(decaysParameter(name, off), true, name);
    assert.equal(decaysParameter(name, on), true, name);
  }
  for (const name of ["h.0.attn.qkv.b", "h.1.mlp.in.b"]) assert.equal(decaysParameter(name, on), false, name);
  for (const name of ["h.0.ln1.g", "h.0.ln2.b", "lnf.g"]) {
    assert.equal(decaysParameter(name, off), false, name);
    assert.equal(decaysParameter(name, { ...off, decayNorms: true }), true, name);
  }
  for (const name of ["wte", "wpe"]) {
    assert.equal(decaysParameter(name, off), false, name);
    assert.equal(decaysParameter(name, { ...off, decayEmbeddings: true }), true, name);
  }
});

/** Names of the parameters whose values differ after one step with and without weight decay. */
async function decayedByTraining(r: Partial<Recipe>): Promise<string[]> {
  const after = async (weightDecay: number) => {
    const model = Transformer.create(micro, 3);
    // Biases start at exactly 0, where decay has nothing to shrink: shift every parameter off zero.
    for (const v of model.params.values()) v.assign(tf.tidy(() => tf.add(v, 0.05)));
    const trainer = new Trainer(model, builtinDataset(), { steps: 1, batchSize: 2, warmupSteps: 0, seed: 3, ...r, weightDecay });
    await trainer.trainStep();
    const values = await readParams(trainer.model.params);
    trainer.dispose();
    trainer.model.dispose();
    return values;
  };
  const plain = await after(0);
  const decayed = await after(0.5);
  return [...plain.keys()].filter((n) => plain.get(n)!.some((v, i) => v !== decayed.get(n)![i]));
}

test("the trainer decays exactly the parameters decaysParameter names", async () => {
  await testBackend();
  for (const r of [{ decayNorms: false, decayEmbeddings: false }, { decayNorms: true, decayEmbeddings: true }]) {
    const model = Transformer.create(micro, 0);
    const names = [...model.params.keys()];
    model.dispose();
    const expected = names.filter((n) => decaysParameter(n, r));
    assert.deepEqual(await decayedByTraining(r), expected);
  }
});
