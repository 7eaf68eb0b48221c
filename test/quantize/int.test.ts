import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { quantizeTensor, dequantize, codesOf, packNibbles, unpackNibbles, quantizedBytes, fakeQuantArray, type QuantizeOptions } from "../../src/quantize/int.js";
import { fakeQuant } from "../../src/quantize/fake.js";
import { roundHalfEven, roundHalfEvenTensor } from "../../src/quantize/rounding.js";
import { assertSameQuantized, optionGrid, randomData } from "../helpers/quantize.js";

await tf.setBackend("cpu");

test("roundHalfEven: ties go to the even neighbour (unlike Math.round)", () => {
  assert.deepEqual([2.5, 3.5, -2.5, -1.5, 0.5, -0.5, 1.4999, 126.5].map(roundHalfEven), [2, 4, -2, -2, 0, 0, 1, 126]); // -0.5 rounds to +0 (the magic-number trick never yields -0)
  // Math.round would give 3, 4, -2, -1, 1, -0, 1, 127: it rounds halves towards +inf.
  const t = roundHalfEvenTensor(tf.tensor1d([2.5, 3.5, -2.5, -1.5, 0.5, 126.5, -127.5]));
  assert.deepEqual(Array.from(t.dataSync()), [2, 4, -2, -2, 0, 126, -128]);
});

test("per-tensor symmetric int8, hand-worked: m = 127 so s = 1, r = 1", () => {
  // x·r = [127, -2.5, 0.5, 1.5]; rne -> [127, -2, 0, 2] (ties to even).
  const q = quantizeTensor(Float32Array.from([127, -2.5, 0.5, 1.5]), [2, 2], { bits: 8, symmetric: true, granularity: "tensor" });
  assert.ok(q.codes instanceof Int8Array);
  assert.deepEqual(Array.from(q.codes), [127, -2, 0, 2]);
  assert.deepEqual(Array.from(q.scales), [1]);
  assert.deepEqual(Array.from(dequantize(q)), [127, -2, 0, 2]);
  assert.equal(q.bytes, 4 + 4); // 4 int8 codes + one float32 scale
});

test("per-channel (column) symmetric int4, hand-worked", () => {
  // w [3, 2] = [[7, 3], [-3.5, -14], [1, 5]]
  // col 0: m = 7,  s = 7/7 = 1,  r = 1:   [7, -3.5, 1]·1   = [7, -3.5, 1]  -> [7, -4, 1]
  // col 1: m = 14, s = 14/7 = 2, r = 0.5: [3, -14, 5]·0.5 = [1.5, -7, 2.5] -> [2, -7, 2]
  const q = quantizeTensor(Float32Array.from([7, 3, -3.5, -14, 1, 5]), [3, 2], { bits: 4, symmetric: true, granularity: "channel" });
  assert.equal(q.packed, true);
  assert.deepEqual(Array.from(codesOf(q)), [7, 2, -4, -7, 1, 2]);
  assert.deepEqual(Array.from(q.scales), [1, 2]);
  assert.deepEqual(Array.from(dequantize(q)), [7, 4, -4, -14, 1, 4]);
  // packed nibbles: (7 | 2<<4), (-4 & 15 = 12 | (-7 & 15 = 9) << 4), (1 | 2<<4)
  assert.deepEqual(Array.from(q.codes), [0x27, 0x9c, 0x21]);
  assert.equal(q.bytes, 3 + 2 * 4);
});

test("per-token (row) asymmetric uint8, hand-worked", () => {
  // row 0: [0, 255, 128]   lo 0,   hi 255,   s = 255/255 = 1, r = 1, z = 0   -> codes [0, 255, 128]
  // row 1: [-51, 204, 0]   lo -51, hi 204,   s = 255/255 = 1, r = 1, z = rne(51) = 51 -> [0, 255, 51]
  // row 2: [-20, 107.5, 0.25] lo -20, hi 107.5, s = 127.5/255 = 0.5, r = 2, z = rne(40) = 40
  //        x·r = [-40, 215, 0.5] -> rne [-40, 215, 0] + 40 = [0, 255, 40]
  const x = Float32Array.from([0, 255, 128, -51, 204, 0, -20, 107.5, 0.25]);
  const q = quantizeTensor(x, [3, 3], { bits: 8, symmetric: false, granularity: "token" });
  assert.ok(q.codes instanceof Uint8Array);
  assert.deepEqual(Array.from(q.codes), [0, 255, 128, 0, 255, 51, 0, 255, 40]);
  assert.deepEqual(Array.from(q.scales), [1, 1, 0.5]);
  assert.deepEqual(Array.from(q.zeroPoints!), [0, 51, 40]);
  assert.deepEqual(Array.from(dequantize(q)), [0, 255, 128, -51, 204, 0, -20, 107.5, 0]);
  assert.equal(q.bytes, 9 + 3 * 4 + 3);
});

test("group-wise symmetric int8 along rows (g = 2, last group partial), hand-worked", () => {
  // w [3, 2] = [[127, 1], [-63.5, 254], [31.75, -0.5]]
  // group 0 (rows 0-1): col 0 m = 127 -> s = 1: [127, -63.5] -> [127, -64];  col 1 m = 254 -> s = 2, r = 0.5: [0.5, 127] -> [0, 127]
  // group 1 (row 2):    col 0 m = 31.75 -> s = 0.25, r = 4: 127;  col 1 m = 0.5 -> s = 0.5/127: -127
  const q = quantizeTensor(Float32Array.from([127, 1, -63.5, 254, 31.75, -0.5]), [3, 2], { bits: 8, symmetric: true, granularity: "group", groupSize: 2 });
  assert.deepEqual(Array.from(q.codes), [127, 0, -64, 127, 127, -127]);
  assert.deepEqual(Array.from(q.scales.slice(0, 3)), [1, 2, 0.25]);
  assert.equal(q.scales[3], Math.fround(0.5 / 127));
  const d = dequantize(q);
  assert.deepEqual(Array.from(d.slice(0, 5)), [127, 0, -64, 254, 31.75]);
  assert.ok(Math.abs(d[5]! + 0.5) < 1e-7);
  assert.equal(q.bytes, 6 + 4 * 4);
  assert.equal(quantizedBytes([3, 2], { bits: 8, symmetric: true, granularity: "group", groupSize: 2 }), q.bytes);
});

test("all-zero block gets scale 1 and codes 0", () => {
  const q = quantizeTensor(new Float32Array(4), [2, 2], { bits: 8, symmetric: false, granularity: "channel" });
  assert.deepEqual(Array.from(q.scales), [1, 1]);
  assert.deepEqual(Array.from(dequantize(q)), [0, 0, 0, 0]);
});

const ALL = optionGrid([2, 3, 4, 6, 8], [32, 64, 128]);

test("error <= s/2 for every in-range element, every granularity and bit width", () => {
  const [rows, cols] = [200, 24]; // 200 rows: groups of 32/64/128 leave a partial last group
  const x = randomData(rows * cols, 7, 9);
  for (const o of ALL) {
    const q = quantizeTensor(x, [rows, cols], o);
    const d = dequantize(q);
    const codes = codesOf(q);
    const { qmax } = o.symmetric ? { qmax: 2 ** (o.bits - 1) - 1 } : { qmax: 2 ** o.bits - 1 };
    for (let i = 0; i < x.length; i++) {
      const r = Math.floor(i / cols), c = i % cols;
      const k = o.granularity === "tensor" ? 0 : o.granularity === "channel" ? c : o.granularity === "token" ? r : Math.floor(r / o.groupSize!) * cols + c;
      const s = q.scales[k]!;
      assert.ok(codes[i]! >= (o.symmetric ? -qmax : 0) && codes[i]! <= qmax, `code range ${JSON.stringify(o)}`);
      // Everything is in range here (ranges come from the data); allow float32 rounding of x·r.
      assert.ok(Math.abs(x[i]! - d[i]!) <= (s / 2) * (1 + 1e-5) + 1e-7, `${JSON.stringify(o)} i=${i}: |${x[i]} - ${d[i]}| > ${s / 2}`);
    }
    assert.equal(q.bytes, quantizedBytes([rows, cols], o));
  }
});

test("tfjs fake-quant equals typed-array quantize→dequantize bit for bit", () => {
  for (const [rows, cols, seed] of [[200, 24, 1], [64, 33, 2], [7, 5, 3]] as const) {
    const x = randomData(rows * cols, seed, 11);
    const xt = tf.tensor2d(x, [rows, cols]);
    for (const o of ALL) {
      const ref = fakeQuantArray(x, [rows, cols], o);
      const got = fakeQuant(xt, o);
      const g = got.dataSync();
      got.dispose();
      for (let i = 0; i < ref.length; i++) if (!Object.is(g[i], ref[i]) && g[i] !== ref[i]) assert.fail(`${JSON.stringify(o)} [${rows},${cols}] i=${i}: tfjs ${g[i]} vs int ${ref[i]}`);
    }
    xt.dispose();
  }
});

test("int4 packing round trip (signed and unsigned, odd length)", () => {
  const signed = Int8Array.from([-8, -7, -1, 0, 1, 6, 7, -3, 5]);
  assert.deepEqual(Array.from(unpackNibbles(packNibbles(signed), signed.length, true)), Array.from(signed));
  const unsigned = Uint8Array.from([0, 15, 1, 14, 7, 8, 3]);
  const p = packNibbles(unsigned);
  assert.equal(p.length, 4);
  assert.equal(p[0], 0xf0);
  assert.deepEqual(Array.from(unpackNibbles(p, unsigned.length, false)), Array.from(unsigned));
  // Through quantizeTensor: 4-bit asymmetric codes survive packing.
  const x = randomData(301, 5);
  const q = quantizeTensor(x, [301], { bits: 4, symmetric: false, granularity: "tensor" });
  const q8 = quantizeTensor(x, [301], { bits: 8, symmetric: false, granularity: "tensor" });
  assert.equal(q.codes.length, 151);
  assert.equal(q.bytes, 151 + 4 + 1);
  assert.equal(q8.bytes, 301 + 4 + 1);
});

test("WebAssembly SIMD path equals the scalar JS path (codes, scales, zero points, dequantized values)", async () => {
  const { quantKernels } = await import("../../src/quantize/wasm.js");
  assert.ok(quantKernels(), "WebAssembly SIMD kernels should assemble and validate on Node 20");
  // cols divisible by 32 so the SIMD path applies; rows not a multiple of 4 or of the group sizes (partial last
  // group); large matrices so chunks split (65,536 elements when quantizing, 262,144 and whole groups when
  // dequantizing: [3001, 96] has two dequantization chunks of several groups each).
  for (const [rows, cols, seed] of [[200, 64, 21], [1100, 96, 22], [3001, 96, 24], [3, 32, 23]] as const) {
    const x = randomData(rows * cols, seed, 13);
    x[5] = 0.5; x[6] = -2.5; // ties (NaN inputs give unspecified codes, see int.ts)
    for (const o of ALL) {
      const a = quantizeTensor(x, [rows, cols], o, { impl: "js" });
      const b = quantizeTensor(x, [rows, cols], o, { impl: "simd" });
      const tag = `${JSON.stringify(o)} [${rows},${cols}]`;
      assertSameQuantized(a, b, tag);
      const da = dequantize(a, undefined, "js"), db = dequantize(a, undefined, "simd");
      for (let i = 0; i < da.length; i++) if (!Object.is(da[i], db[i]) && da[i] !== db[i]) assert.fail(`dequantize ${tag} i=${i}: ${da[i]} vs ${db[i]}`);
    }
  }
});
