import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-backend-cpu";
import { fakeQuant } from "../../src/quantize/fake.js";
import { fakeQuantArray, quantizeTensor, type QuantizeOptions } from "../../src/quantize/int.js";
import { tfjsHeap } from "../../src/wasm/tfjs-heap.js";
import { assertSameQuantized, optionGrid, randomData } from "../helpers/quantize.js";
import { toFp8, toFp8Tensor } from "../../src/quantize/fp8.js";
import { skipOrFail } from "../helpers/require-tool.js";

// The project's default backend is wasm: the fake-quant ops must agree with the typed-array path there too
// (they use only IEEE float32 mul/div/add/min/max, no backend Round kernel).
test("on the tfjs wasm backend, fake quantization and the FP8 cast equal the typed-array paths bit for bit", async (t) => {
  if (!(await tf.setBackend("wasm").catch(() => false))) return skipOrFail(t, "tfjs wasm backend unavailable");
  const [rows, cols] = [200, 24];
  const x = randomData(rows * cols, 3, 40);
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

/** Every bit width that packs or not, both modes, every granularity, groups that split the rows unevenly. */
const OPTIONS = optionGrid([2, 4, 8], [32, 128]);

/** `randomData` with ±30 outliers and a rounding tie. */
const data = (n: number, seed: number) => {
  const x = randomData(n, seed, 30);
  x[1] = 0.5;
  return x;
};

test("tfjsHeap gives the wasm backend's memory, where a tensor's values lie at offsetOf", async (t) => {
  if (!(await tf.setBackend("wasm").catch(() => false))) return skipOrFail(t, "tfjs wasm backend unavailable");
  const heap = tfjsHeap();
  assert.ok(heap, "the wasm backend's heap should be reachable (tfjs-backend-wasm 4.x internals)");
  const x = tf.tensor2d(data(64 * 32, 5), [64, 32]);
  const y = tf.mul(x, 2); // an op's output: allocated by the backend, not copied from JS
  for (const v of [x, y]) {
    const off = heap.offsetOf(v);
    assert.ok(off !== null && off > 0);
    assert.deepEqual(Array.from(new Float32Array(heap.memory.buffer, off, v.size)), Array.from(v.dataSync()));
  }
  assert.equal(heap.offsetOf(tf.tensor1d([1, 2, 3], "int32")), null, "int32 tensors are not float32 data");
  tf.dispose([x, y]);
  assert.equal(heap.offsetOf(x), null, "a disposed tensor has no data");
  await tf.setBackend("cpu");
  assert.equal(tfjsHeap(), null, "no heap on the cpu backend");
});

test("quantizeTensor(tensor) on the wasm backend, read in place, equals the scalar typed-array path", async (t) => {
  if (!(await tf.setBackend("wasm").catch(() => false))) return skipOrFail(t, "tfjs wasm backend unavailable");
  // Shapes: several chunks (65,536 elements each) with a partial last one; rows not divisible by 4 or the group size.
  for (const [rows, cols, seed] of [[1100, 96, 7], [203, 64, 8], [3, 32, 9]] as const) {
    const values = data(rows * cols, seed);
    const x = tf.tensor2d(values, [rows, cols]);
    for (const o of OPTIONS) {
      const tag = `${JSON.stringify(o)} [${rows},${cols}]`;
      const ref = quantizeTensor(values, [rows, cols], o, { impl: "js" });
      const q = quantizeTensor(x, o);
      assertSameQuantized(ref, q, tag);
      assertSameQuantized(ref, quantizeTensor(x, o, { into: q }), `${tag} into`);
    }
    x.dispose();
  }
});

test("quantizeTensor(tensor) frees its scratch space in the wasm heap", async (t) => {
  if (!(await tf.setBackend("wasm").catch(() => false))) return skipOrFail(t, "tfjs wasm backend unavailable");
  const heap = tfjsHeap()!;
  const x = tf.tensor2d(data(512 * 256, 3), [512, 256]);
  const o: QuantizeOptions = { bits: 4, symmetric: false, granularity: "group", groupSize: 128 };
  quantizeTensor(x, o);
  const before = heap.memory.buffer.byteLength;
  // Each call takes ~0.8 MB of scratch: 100 leaked calls would grow the heap by ~80 MB.
  for (let i = 0; i < 100; i++) quantizeTensor(x, o);
  assert.equal(heap.memory.buffer.byteLength, before);
  x.dispose();
});

test("quantizeTensor(tensor) on other backends reads the values and gives the same result", async () => {
  await tf.setBackend("cpu");
  const values = data(40 * 64, 11);
  const x = tf.tensor2d(values, [40, 64]);
  for (const o of OPTIONS) assertSameQuantized(quantizeTensor(values, [40, 64], o, { impl: "js" }), quantizeTensor(x, o), JSON.stringify(o));
  x.dispose();
});

test("quantizeTensor refuses what it cannot quantize, naming the problem", async () => {
  await tf.setBackend("cpu");
  const o: QuantizeOptions = { bits: 8, symmetric: true, granularity: "tensor" };
  assert.throws(() => quantizeTensor(tf.tensor1d([1, 2], "int32"), o), /float32 tensor, got int32/);
  const gone = tf.tensor1d([1, 2]);
  gone.dispose();
  assert.throws(() => quantizeTensor(gone, o), /disposed/);
  assert.throws(() => quantizeTensor([1, 2] as unknown as Float32Array, o as unknown as number[], o), /Float32Array or a float32 tf.Tensor/);
  assert.throws(() => quantizeTensor(new Float32Array(4), o as unknown as number[], o), /shape must be an array/);
});
