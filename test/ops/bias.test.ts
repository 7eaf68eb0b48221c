import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "../../src/ops/gradients.js";
import { addBias, scaleByGain } from "../../src/ops/bias.js";
import { testBackend } from "../helpers/backend.js";

const close = (got: Float32Array | Int32Array | Uint8Array, want: number[], tol = 1e-5) =>
  Array.from(got).forEach((g, i) => assert.ok(Math.abs(g - want[i]!) <= tol * (1 + Math.abs(want[i]!)), `[${i}] ${g} vs ${want[i]}`));

test("addBias and scaleByGain: values and gradients equal the hand-computed broadcast sums", async () => {
  await testBackend();
  const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
  const v = tf.tensor1d([0.5, -1, 2]);
  close(addBias(x, v).dataSync(), [1.5, 1, 5, 4.5, 4, 8]);
  close(scaleByGain(x, v).dataSync(), [0.5, -2, 6, 2, -5, 12]);
  // loss = Σ w ⊙ f(x, v) with weights w: ∂/∂v sums over rows.
  const w = tf.tensor2d([[1, 2, 3], [-1, 0, 4]]);
  const [dxAdd, dvAdd] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(w, addBias(a as tf.Tensor2D, b as tf.Tensor1D))))([x, v]);
  close(dxAdd!.dataSync(), [1, 2, 3, -1, 0, 4]);
  close(dvAdd!.dataSync(), [0, 2, 7]);
  const [dxMul, dvMul] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(w, scaleByGain(a as tf.Tensor2D, b as tf.Tensor1D))))([x, v]);
  close(dxMul!.dataSync(), [0.5, -2, 6, -0.5, 0, 8]);
  close(dvMul!.dataSync(), [1 * 1 + -1 * 4, 2 * 2 + 0 * 5, 3 * 3 + 4 * 6]);
});

test("addBias and scaleByGain gradients equal tfjs's own broadcast gradients on random data", async () => {
  await testBackend();
  const x = tf.randomNormal([300, 24], 0, 1, "float32", 1) as tf.Tensor2D;
  const v = tf.randomNormal([24], 0, 1, "float32", 2) as tf.Tensor1D;
  const w = tf.randomNormal([300, 24], 0, 1, "float32", 3);
  for (const [ours, theirs] of [[addBias, tf.add], [scaleByGain, tf.mul]] as const) {
    const a = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(w, ours(p as tf.Tensor2D, q as tf.Tensor1D))))([x, v]);
    const b = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(w, theirs(p, q))))([x, v]);
    close(a[0]!.dataSync(), Array.from(b[0]!.dataSync()), 1e-5);
    close(a[1]!.dataSync(), Array.from(b[1]!.dataSync()), 1e-4);
  }
});
