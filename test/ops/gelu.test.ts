import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "../../src/ops/gradients.js";
import { gelu } from "../../src/ops/gelu.js";
import { testBackend } from "../helpers/backend.js";

/** GELU (tanh form) and its derivative in double precision: the independent reference. */
const c = Math.sqrt(2 / Math.PI);
const ref = (x: number) => 0.5 * x * (1 + Math.tanh(c * (x + 0.044715 * x ** 3)));
const dref = (x: number) => {
  const t = Math.tanh(c * (x + 0.044715 * x ** 3));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x);
};

test("gelu equals the tanh-form formula, and so does its gradient", async () => {
  await testBackend();
  const xs = [-20, -6, -3, -1.5, -0.5, -1e-3, 0, 1e-3, 0.5, 1, 2.5, 6, 20];
  const got = Array.from(gelu(tf.tensor1d(xs)).dataSync());
  got.forEach((g, i) => assert.ok(Math.abs(g - ref(xs[i]!)) <= 2e-6 * (1 + Math.abs(ref(xs[i]!))), `gelu(${xs[i]}) = ${g}, want ${ref(xs[i]!)}`));
  const grad = Array.from(tf.grad((x: tf.Tensor) => tf.sum(gelu(x)))(tf.tensor1d(xs)).dataSync());
  grad.forEach((g, i) => assert.ok(Math.abs(g - dref(xs[i]!)) <= 1e-5, `gelu'(${xs[i]}) = ${g}, want ${dref(xs[i]!)}`));
});
