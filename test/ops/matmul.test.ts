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

test("matMul's explicit-transpose gradient equals tfjs's own, 2-D and batched", async () => {
  await testBackend();
  for (const [aShape, bShape] of [[[64, 16], [16, 8]], [[8, 64], [64, 96]], [[6, 12, 8], [6, 8, 16]], [[4, 8, 32], [4, 32, 8]], [[3, 5, 7], [3, 7, 9]]] as number[][][]) {
    const a = tf.tensor(randomArray(aShape.reduce((x, y) => x * y, 1), 3), [...aShape]);
    const b = tf.tensor(randomArray(bShape.reduce((x, y) => x * y, 1), 4), [...bShape]);
    const ours = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(matMul(x as tf.Tensor3D, y as tf.Tensor3D))))([a, b]);
    const theirs = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x as tf.Tensor3D, y as tf.Tensor3D))))([a, b]);
    for (let g = 0; g < 2; g++) {
      const o = ours[g]!.dataSync(), t = theirs[g]!.dataSync();
      t.forEach((w, i) => assert.ok(Math.abs(o[i]! - w) <= 1e-4 * (1 + Math.abs(w)), `${aShape}·${bShape} grad ${g}[${i}]: ${o[i]} vs ${w}`));
    }
  }
});
