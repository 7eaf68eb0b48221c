import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import { fakeQuant } from "../../src/quantize/fake.js";
import { fakeQuantArray, type QuantizeOptions } from "../../src/quantize/int.js";
import { toFp8, toFp8Tensor } from "../../src/quantize/fp8.js";

// The project's default backend is wasm: the fake-quant ops must agree with the typed-array path there too
// (they use only IEEE float32 mul/div/add/min/max, no backend Round kernel).
test("on the tfjs wasm backend, fake quantization and the FP8 cast equal the typed-array paths bit for bit", async (t) => {
  if (!(await tf.setBackend("wasm").catch(() => false))) return t.skip("tfjs wasm backend unavailable");
  const [rows, cols] = [200, 24];
  const x = new Float32Array(rows * cols);
  let s = 3;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = (s / 2 ** 32 - 0.5) * (i % 97 === 0 ? 40 : 4);
  }
  x[0] = 0.5;
  x[1] = 127;
  const xt = tf.tensor2d(x, [rows, cols]);
  for (const bits of [3, 4, 8])
    for (const symmetric of [true, false])
      for (const granularity of ["tensor", "channel", "token", "group"] as const) {
        const o: QuantizeOptions = { bits, symmetric, granularity, groupSize: 64 };
        const a = fakeQuantArray(x, [rows, cols], o);
        const b = fakeQuant(xt, o).dataSync();
        for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) assert.fail(`${JSON.stringify(o)} i=${i}: ${a[i]} vs ${b[i]}`);
      }
  for (const f of ["e4m3", "e5m2"] as const) {
    const big = x.map((v) => v * 300);
    const a = toFp8(big, f), b = toFp8Tensor(tf.tensor1d(big), f).dataSync();
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) assert.fail(`${f} x=${big[i]}: ${a[i]} vs ${b[i]}`);
  }
});
