import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "../../src/ops/gradients.js";
import { batchMatMulWasm, canBatchMatMulWasm } from "../../src/ops/batch-matmul-wasm.js";
import { matMul } from "../../src/ops/matmul.js";
import { Rng } from "../../src/data/rng.js";
import { testBackend } from "../helpers/backend.js";
import { selectBackend } from "../../src/backend/select.js";
import { tfjsHeap } from "../../src/wasm/tfjs-heap.js";

function randomArray(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
}

/** Batched matmul in double precision, straight from the definition. */
function reference(a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number): number[] {
  const out: number[] = [];
  for (let z = 0; z < batch; z++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[z * m * k + i * k + p]! * b[z * k * n + p * n + j]!;
        out.push(s);
      }
  return out;
}

test("the wasm SIMD batched matmul equals the definition on every block-aligned shape tried, in the tfjs heap and in its own memory", async () => {
  // On the wasm backend the kernel reads and writes tensors in the backend's heap; on cpu it copies them through its own memory.
  for (const backend of ["wasm", "cpu"]) {
    await selectBackend({ backend: backend as "wasm" | "cpu" });
    assert.equal(tfjsHeap() !== null, backend === "wasm", `heap reachable on ${backend}`);
    for (const [batch, m, k, n] of [[2, 4, 1, 8], [3, 8, 5, 16], [2, 12, 33, 24], [128, 32, 16, 32]] as const) {
      const a = randomArray(batch * m * k, 1), b = randomArray(batch * k * n, 2);
      const ta = tf.tensor3d(a, [batch, m, k]), tb = tf.tensor3d(b, [batch, k, n]);
      assert.ok(canBatchMatMulWasm(ta, tb), `[${batch},${m},${k}]·[${batch},${k},${n}] is handled`);
      const before = tf.memory().numTensors;
      const c = batchMatMulWasm(ta, tb);
      assert.equal(tf.memory().numTensors, before + 1, "exactly one new tensor, tracked by the engine");
      assert.deepEqual(c.shape, [batch, m, n]);
      const got = c.dataSync();
      const want = reference(a, b, batch, m, k, n);
      want.forEach((w, i) => assert.ok(Math.abs(got[i]! - w) <= 1e-5 * Math.sqrt(k) * (1 + Math.abs(w)), `${backend} [${batch},${m},${k},${n}] element ${i}: ${got[i]} vs ${w}`));
      tf.dispose([ta, tb, c]);
      assert.equal(tf.memory().numTensors, before - 2);
    }
  }
  // Shapes it does not handle are declined, not computed wrongly.
  assert.equal(canBatchMatMulWasm(tf.zeros([2, 3, 4]), tf.zeros([2, 4, 8])), false, "m not a multiple of 4");
  assert.equal(canBatchMatMulWasm(tf.zeros([2, 4, 4]), tf.zeros([2, 4, 6])), false, "n not a multiple of 8");
  assert.equal(canBatchMatMulWasm(tf.zeros([2, 4, 4]), tf.zeros([3, 4, 8])), false, "batch mismatch");
  assert.throws(() => batchMatMulWasm(tf.zeros([2, 3, 4]) as tf.Tensor3D, tf.zeros([2, 4, 8]) as tf.Tensor3D), /unsupported shapes/);
});

/** Row-major `op(x)·op(y)` per batch in float64, where op transposes the last two axes when asked. */
function product(x: ArrayLike<number>, y: ArrayLike<number>, batch: number, m: number, k: number, n: number, tx: boolean, ty: boolean): number[] {
  const out: number[] = [];
  for (let z = 0; z < batch; z++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += x[z * m * k + (tx ? p * m + i : i * k + p)]! * y[z * k * n + (ty ? j * k + p : p * n + j)]!;
        out.push(s);
      }
  return out;
}

test("matMul's gradient through the backend's registered kernels equals the float64 definition, 2-D and batched", async () => {
  await testBackend();
  for (const [aShape, bShape] of [[[64, 16], [16, 8]], [[8, 64], [64, 96]], [[6, 12, 8], [6, 8, 16]], [[4, 8, 32], [4, 32, 8]], [[3, 5, 7], [3, 7, 9]]] as number[][][]) {
    const batch = aShape.length === 3 ? aShape[0]! : 1;
    const [m, k] = aShape.slice(-2) as [number, number];
    const n = bShape.at(-1)!;
    const av = randomArray(batch * m * k, 3), bv = randomArray(batch * k * n, 4);
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(matMul(x as tf.Tensor3D, y as tf.Tensor3D))))([tf.tensor(av, aShape), tf.tensor(bv, bShape)]);
    // loss = Σ C², so dC = 2C, dA = dC·Bᵀ and dB = Aᵀ·dC.
    const dC = product(av, bv, batch, m, k, n, false, false).map((c) => 2 * c);
    const want = [product(dC, bv, batch, m, n, k, false, true), product(av, dC, batch, k, m, n, true, false)];
    [ga!, gb!].forEach((g, which) => {
      const got = g.dataSync();
      want[which]!.forEach((w, i) => assert.ok(Math.abs(got[i]! - w) <= 1e-4 * (1 + Math.abs(w)), `${aShape}·${bShape} grad ${which}[${i}]: ${got[i]} vs ${w}`));
    });
  }
});
