import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { selectBackend } from "../../src/backend/select.js";
import { fakeQuant } from "../../src/quantize/fake.js";
import { fakeFp8, toFp8Tensor } from "../../src/quantize/fp8.js";
import { codesOf, dequantize, quantizeTensor, type QuantImpl } from "../../src/quantize/int.js";
import { codeRange } from "../../src/quantize/rounding.js";
import { schemeLinear } from "../../src/quantize/linear.js";
import { label, weightFormat } from "../../src/quantize/schemes.js";
import { testBackend } from "../helpers/backend.js";
import { castMismatches, torchCasts } from "../helpers/python.js";
import { skipOrFail } from "../helpers/require-tool.js";
import { optionGrid, randomData } from "../helpers/quantize.js";

// 64 columns: a shape the SIMD kernels take, so "auto" exercises them and "js" the scalar loop.
const [rows, cols] = [40, 64];

test("±Inf never sets a scale and saturates; NaN is refused by integer storage — the same on the SIMD and scalar paths", async () => {
  await testBackend();
  const clean = randomData(rows * cols, 7);
  const withInf = clean.slice();
  withInf[5] = Infinity; // row 0, column 5
  withInf[3 * cols + 9] = -Infinity; // row 3, column 9
  for (const o of optionGrid([8, 4], [16])) {
    for (const impl of ["auto", "js"] as QuantImpl[]) {
      const tag = `${JSON.stringify(o)} ${impl}`;
      const a = quantizeTensor(clean, [rows, cols], o, { impl });
      const b = quantizeTensor(withInf, [rows, cols], o, { impl });
      assert.deepEqual(Array.from(b.scales), Array.from(a.scales), `scales ignore ±Inf: ${tag}`);
      const codes = codesOf(b);
      const { qmin, qmax } = codeRange(o.bits, o.symmetric);
      assert.equal(codes[5], qmax, `+Inf takes the top code: ${tag}`);
      assert.equal(codes[3 * cols + 9], qmin, `-Inf takes the bottom code: ${tag}`);
      const others = (q: typeof a) => Array.from(codesOf(q)).filter((_, i) => i !== 5 && i !== 3 * cols + 9);
      assert.deepEqual(others(b), others(a), `every finite value's code is unchanged: ${tag}`);
      const withNaN = clean.slice();
      withNaN[2 * cols + 1] = NaN;
      assert.throws(() => quantizeTensor(withNaN, [rows, cols], o, { impl }), new RegExp(`element ${2 * cols + 1} is NaN`), tag);
    }
  }
  const t = tf.tensor2d(withInf, [rows, cols]);
  const q = quantizeTensor(t, { bits: 8, symmetric: true, granularity: "channel" });
  assert.deepEqual(Array.from(q.scales), Array.from(quantizeTensor(clean, [rows, cols], { bits: 8, symmetric: true, granularity: "channel" }).scales), "a tensor read in place follows the rule too");
  t.dispose();
});


test("fakeQuant follows the same rule: equal to dequantize(quantizeTensor) with ±Inf, NaN kept as NaN, on wasm and cpu", async () => {
  const x = randomData(rows * cols, 11);
  x[7] = Infinity;
  x[cols + 3] = -Infinity;
  const withNaN = x.slice();
  withNaN[2 * cols] = NaN;
  try {
    for (const backend of ["wasm", "cpu"] as const) {
      await selectBackend({ backend });
      for (const o of optionGrid([8, 4], [16])) {
        const tag = `${JSON.stringify(o)} on ${backend}`;
        const fq = (await fakeQuant(tf.tensor2d(x, [rows, cols]), o).data()) as Float32Array;
        assert.deepEqual(Array.from(fq), Array.from(dequantize(quantizeTensor(x, [rows, cols], o))), tag);
        const fqNaN = (await fakeQuant(tf.tensor2d(withNaN, [rows, cols]), o).data()) as Float32Array;
        assert.ok(Number.isNaN(fqNaN[2 * cols]!), `NaN stays NaN: ${tag}`);
        // Everything else is as if the NaN were absent (0 is inside every block's range).
        const zeroed = withNaN.slice();
        zeroed[2 * cols] = 0;
        const ref = dequantize(quantizeTensor(zeroed, [rows, cols], o));
        assert.deepEqual(Array.from(fqNaN).filter((_, i) => i !== 2 * cols), Array.from(ref).filter((_, i) => i !== 2 * cols), tag);
      }
      // FP8: the scale comes from the finite values (absmax 3), so +Inf lands where 3 does; NaN stays NaN.
      const f8 = (await fakeFp8(tf.tensor2d([1, 2, Infinity, NaN, -3, 0.5], [2, 3]), "e4m3").data()) as Float32Array;
      const f8ref = (await fakeFp8(tf.tensor2d([1, 2, 3, 0, -3, 0.5], [2, 3]), "e4m3").data()) as Float32Array;
      assert.deepEqual([...f8.slice(0, 3), ...f8.slice(4)], [...f8ref.slice(0, 3), ...f8ref.slice(4)], `FP8's scale ignores Inf, which saturates (${backend})`);
      assert.ok(Number.isNaN(f8[3]!));
    }
  } finally {
    await testBackend();
  }
});

test("FP8 casts match torch bit for bit at the edges (NaN, −0, underflow, subnormals, saturation), on wasm and cpu", async (t) => {
  const xs: number[] = [NaN, -0, 0, -1e-9, 1e-9, -1e-30, 2 ** -9, -(2 ** -10), 3 * 2 ** -11, 2 ** -16, -(2 ** -17), 448, 449, 464, 465, -500, 1e5, 57344, 61439, -61440 + 1];
  for (let i = 0; i < 400; i++) xs.push(Math.fround(Math.sin(i * 1.7) * 2 ** ((i % 40) - 22)));
  const x = Float32Array.from(xs);
  const ref = torchCasts(x, ["float8_e4m3fn", "float8_e5m2"]);
  if ("skip" in ref) return skipOrFail(t, ref.skip);
  try {
    for (const backend of ["wasm", "cpu"] as const) {
      await selectBackend({ backend });
      for (const format of ["e4m3", "e5m2"] as const) {
        const got = (await toFp8Tensor(tf.tensor1d(x), format).data()) as Float32Array;
        // torch's e5m2 cast overflows to Inf where ours saturates (documented): compare in range only.
        const inRange = (v: number) => format !== "e5m2" || !(Math.abs(v) > 57344);
        const bad = castMismatches(x, got, format === "e4m3" ? ref.casts.float8_e4m3fn : ref.casts.float8_e5m2, inRange);
        assert.deepEqual(bad.slice(0, 8), [], `${format} on ${backend}: ${bad.length} differ`);
      }
    }
  } finally {
    await testBackend();
  }
});

test("bad quantizer options and unknown schemes or formats are errors that name the option and list valid values", async () => {
  await testBackend();
  const v = new Float32Array(6);
  assert.throws(() => quantizeTensor(v, [2, 3], { bits: 8, symmetric: true, granularity: "bogus" as never }), /granularity must be one of 'tensor', 'channel', 'token', 'group', got 'bogus'/);
  assert.throws(() => quantizeTensor(v, [-2, -3], { bits: 8, symmetric: true, granularity: "tensor" }), /shape must be an array of non-negative integers, got \[-2, -3\]/);
  assert.throws(() => quantizeTensor(v, [2, 3], { bits: 8, symmetric: "yes" as never, granularity: "tensor" }), /symmetric must be true or false/);
  assert.throws(() => toFp8Tensor(tf.tensor1d([1]), "e3m4" as never), /unknown FP8 format 'e3m4': use one of 'e4m3', 'e5m2'/);
  assert.throws(() => label({ name: "bogus" } as never), /unknown quantization scheme 'bogus' \(registered: fp32, w8/);
  assert.throws(() => weightFormat({ name: "w8a8-turbo" } as never), /unknown quantization scheme 'w8a8-turbo'/);
  assert.throws(() => schemeLinear({ name: "bogus" } as never), /unknown quantization scheme 'bogus'/);
});
