import { test } from "node:test";
import assert from "node:assert/strict";
import { evalBatches } from "../../src/data/batches.js";
import { builtinDataset } from "../../src/data/builtin.js";
import { CONFIGS } from "../../src/model/config.js";
import { floatLinear } from "../../src/model/linear.js";
import { Transformer } from "../../src/model/transformer.js";
import { degradationPct, evaluate, taskSet } from "../../src/evaluate/evaluate.js";
import { testBackend } from "../helpers/backend.js";

const data = builtinDataset();

test("degradation is signed so that worse is positive", () => {
  assert.equal(degradationPct("loss", 2, 2.1), 5.000000000000004);
  assert.equal(degradationPct("accuracy", 0.5, 0.4), 19.999999999999996);
  assert.equal(degradationPct("accuracy", 0.5, 0.55), -10.000000000000009);
  assert.equal(degradationPct("taskAccuracy", 0, 0), 0);
});

test("task windows hold whole problems and the answer positions predict the answer digits", () => {
  const task = taskSet(data.tokenizer, 64, 20, 1);
  const { x, y, context } = task.batch;
  for (let i = 0; i + 1 < x.length; i++) if ((i + 1) % context !== 0) assert.equal(y[i], x[i + 1]);
  const text = data.tokenizer.decode(x);
  for (const p of task.answerPositions) {
    const problem = text.slice(p - 5, p + 4);
    assert.match(problem, /^\d\d\+\d\d=\d\d;$/);
    const [a, b, c] = [problem.slice(0, 2), problem.slice(3, 5), problem.slice(6, 8)].map(Number);
    assert.equal((a! + b!) % 100, c);
    assert.equal(data.tokenizer.decode([y[p]!, y[p + 1]!]), problem.slice(6, 8));
  }
  assert.equal(task.answerPositions.length, 20);
});

test("evaluation agrees with the training loss and is unchanged by the float linear", async () => {
  await testBackend();
  const model = Transformer.create(CONFIGS.micro, 0);
  const batches = evalBatches(data.heldOut, 4, CONFIGS.micro.context, 2);
  const ev = await evaluate(model, batches, { task: taskSet(data.tokenizer, CONFIGS.micro.context, 32) });
  const direct = ((await model.loss(batches[0]!).data())[0]! + (await model.loss(batches[1]!).data())[0]!) / 2;
  assert.ok(Math.abs(ev.loss - direct) < 1e-5, `${ev.loss} vs ${direct}`);
  assert.ok(Math.abs(ev.perplexity - Math.exp(ev.loss)) < 1e-9);
  assert.ok(ev.accuracy >= 0 && ev.accuracy <= 1);
  assert.ok(ev.taskAccuracy !== null && ev.taskAccuracy <= 0.1, "an untrained model does not do arithmetic");
  assert.deepEqual(await evaluate(model, batches, { linear: floatLinear }), { ...ev, taskAccuracy: null });
  model.dispose();
});
