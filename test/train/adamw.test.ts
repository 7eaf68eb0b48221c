import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { AdamW } from "../../src/train/adamw.js";
import { clipByGlobalNorm, globalNorm } from "../../src/train/clip.js";
import { learningRate } from "../../src/train/schedule.js";
import { testBackend } from "../helpers/backend.js";

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test("two AdamW steps match a hand computation", async () => {
  await testBackend();
  const p = tf.variable(tf.tensor1d([1.0, -2.0]));
  const opt = new AdamW(new Map([["w", p]]), { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: true, decays: () => true });
  const lr = 0.01;
  // Step 1, g = [0.5, -1]: p ← p(1 − 0.001); m = 0.1g; v = 0.001g²; m̂ = g; v̂ = g²; p −= lr·g/(|g| + ε).
  opt.apply(new Map([["w", tf.tensor1d([0.5, -1])]]), lr);
  let [a, b] = Array.from(await p.data());
  close(a!, 1.0 * 0.999 - 0.01 * (0.5 / (0.5 + 1e-8)));
  close(b!, -2.0 * 0.999 + 0.01 * (1 / (1 + 1e-8)));
  // Step 2, g = [0.1, 0.2], done by hand in float64.
  const g = [0.1, 0.2], g1 = [0.5, -1], prev = [a!, b!];
  const expected = prev.map((pv, i) => {
    const m = 0.9 * 0.1 * g1[i]! + 0.1 * g[i]!;
    const v = 0.999 * 0.001 * g1[i]! ** 2 + 0.001 * g[i]! ** 2;
    const step = lr / (1 - 0.9 ** 2);
    return pv * (1 - lr * 0.1) - step * (m / (Math.sqrt(v) / Math.sqrt(1 - 0.999 ** 2) + 1e-8));
  });
  opt.apply(new Map([["w", tf.tensor1d(g)]]), lr);
  [a, b] = Array.from(await p.data());
  close(a!, expected[0]!, 1e-6);
  close(b!, expected[1]!, 1e-6);
});

test("decoupled weight decay differs from L2 as it should", async () => {
  await testBackend();
  // With a zero gradient, AdamW shrinks p by the factor (1 − lr·λ) exactly; Adam+L2 instead feeds λp
  // through the adaptive normaliser, so its first step has size lr regardless of λ.
  const make = (decoupled: boolean) => {
    const p = tf.variable(tf.tensor1d([4.0]));
    return { p, opt: new AdamW(new Map([["w", p]]), { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled, decays: () => true }) };
  };
  const adamw = make(true), l2 = make(false);
  adamw.opt.apply(new Map([["w", tf.tensor1d([0])]]), 0.01);
  l2.opt.apply(new Map([["w", tf.tensor1d([0])]]), 0.01);
  close((await adamw.p.data())[0]!, 4 * (1 - 0.01 * 0.1));
  close((await l2.p.data())[0]!, 4 - 0.01 * (0.4 / (0.4 + 1e-8)));
  // And a parameter the decay switch excludes is left alone.
  const q = tf.variable(tf.tensor1d([4.0]));
  new AdamW(new Map([["ln.g", q]]), { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: true, decays: () => false }).apply(new Map([["ln.g", tf.tensor1d([0])]]), 0.01);
  assert.equal((await q.data())[0], 4);
});

test("clipping bounds the global norm exactly and leaves small gradients alone", async () => {
  await testBackend();
  const grads = new Map<string, tf.Tensor>([["a", tf.tensor1d([3, 0])], ["b", tf.tensor2d([[0, 4]]) as tf.Tensor]]);
  const norm = globalNorm(grads.values());
  close((await norm.data())[0]!, 5);
  const clipped = clipByGlobalNorm(grads, 1.0, norm);
  close((await globalNorm(clipped.values()).data())[0]!, 5 / (5 + 1e-6));
  assert.deepEqual(Array.from(await clipped.get("a")!.data()).map((x) => +x.toFixed(6)), [0.6, 0]);
  const untouched = clipByGlobalNorm(grads, 10, norm);
  assert.deepEqual(Array.from(await untouched.get("b")!.data()), [0, 4]);
});

test("learning rate warms up linearly, then stays or follows a cosine", () => {
  const s = { lr: 1, warmupSteps: 10, steps: 110, minLrFraction: 0.1, decay: "constant" as const };
  assert.equal(learningRate(s, 1), 0.1);
  assert.equal(learningRate(s, 10), 1);
  assert.equal(learningRate(s, 50), 1);
  const c = { ...s, decay: "cosine" as const };
  close(learningRate(c, 60), 0.1 + 0.45 * (1 + Math.cos(Math.PI * 0.5)));
  close(learningRate(c, 110), 0.1);
});
