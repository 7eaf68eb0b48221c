import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { FP8, fp8Round, toFp8, toFp8Tensor, encodeFp8, decodeFp8 } from "../../src/quantize/fp8.js";

await tf.setBackend("cpu");

test("E4M3 edge bit patterns decode to the documented values", () => {
  assert.equal(decodeFp8(0x7e, "e4m3"), 448); // S.1111.110 = 1.75·2^8, the max
  assert.ok(Number.isNaN(decodeFp8(0x7f, "e4m3"))); // S.1111.111 is the only NaN
  assert.equal(decodeFp8(0xfe, "e4m3"), -448);
  assert.equal(decodeFp8(0x78, "e4m3"), 256); // 1.0·2^(15−7)
  assert.equal(decodeFp8(0x08, "e4m3"), 2 ** -6); // min normal: exponent field 1
  assert.equal(decodeFp8(0x07, "e4m3"), 7 * 2 ** -9); // max subnormal 0.111·2^-6
  assert.equal(decodeFp8(0x01, "e4m3"), 2 ** -9); // min subnormal
  assert.equal(decodeFp8(0x38, "e4m3"), 1); // exponent 7 = bias
  assert.equal(FP8.e4m3.max, 448);
});

test("E5M2 edge bit patterns decode to the documented values", () => {
  assert.equal(decodeFp8(0x7b, "e5m2"), 57344); // S.11110.11 = 1.75·2^15
  assert.equal(decodeFp8(0x7c, "e5m2"), Infinity);
  assert.equal(decodeFp8(0xfc, "e5m2"), -Infinity);
  assert.ok(Number.isNaN(decodeFp8(0x7d, "e5m2")));
  assert.equal(decodeFp8(0x04, "e5m2"), 2 ** -14); // min normal
  assert.equal(decodeFp8(0x01, "e5m2"), 2 ** -16); // min subnormal
  assert.equal(decodeFp8(0x03, "e5m2"), 3 * 2 ** -16);
  assert.equal(decodeFp8(0x3c, "e5m2"), 1);
});

test("every finite FP8 value is a fixed point of the cast and encodes to its own byte", () => {
  for (const f of ["e4m3", "e5m2"] as const)
    for (let b = 0; b < 256; b++) {
      const v = decodeFp8(b, f);
      if (!Number.isFinite(v)) continue;
      assert.equal(fp8Round(v, f), v, `${f} 0x${b.toString(16)}`);
      assert.equal(encodeFp8(v, f), b, `${f} encode 0x${b.toString(16)}`);
    }
});

test("rounding: ties to even, saturation, subnormals, NaN", () => {
  const e = (x: number) => fp8Round(x, "e4m3");
  assert.equal(e(1 + 1 / 16), 1); // midway 1 (mantissa 000) and 1.125 (001): even -> 1
  assert.equal(e(1 + 3 / 16), 1.25); // midway 1.125 (001) and 1.25 (010): even -> 1.25
  assert.equal(e(1 + 1 / 16 + 1e-6), 1.125); // just above the tie
  assert.equal(e(464), 448); // midway 448 and (nonexistent) 480: saturates
  assert.equal(e(1e9), 448);
  assert.equal(e(-Infinity), -448);
  assert.equal(e(2 ** -10), 0); // half the min subnormal: tie to even (0)
  assert.equal(e(3 * 2 ** -10), 2 ** -8); // 1.5 subnormal steps -> 2 steps
  assert.equal(e(2 ** -10 + 2 ** -20), 2 ** -9); // just above the tie
  assert.equal(e(-(2 ** -6) * 1.0625), -(2 ** -6)); // tie at the min normal binade
  assert.ok(Number.isNaN(e(NaN)));
  const f = (x: number) => fp8Round(x, "e5m2");
  assert.equal(f(60000), 57344);
  assert.equal(f(Infinity), 57344);
  assert.equal(f(1 + 1 / 8), 1); // midway 1 and 1.25: even -> 1
  assert.equal(f(1 + 3 / 8), 1.5); // midway 1.25 (01) and 1.5 (10): even -> 1.5
  assert.equal(f(2 ** -17), 0);
  assert.equal(f(3 * 2 ** -17), 2 ** -15);
  assert.equal(encodeFp8(1e9, "e4m3"), 0x7e);
  assert.equal(encodeFp8(-1e9, "e5m2"), 0xfb);
});

test("the tfjs cast equals the typed-array cast on edge and random values", () => {
  const vals: number[] = [0, -0, 448, 449, 464, 465, 1e6, -1e6, 57344, 61440, 1e9, 2 ** -6, 2 ** -9, 2 ** -10, 3 * 2 ** -10, 2 ** -14, 2 ** -16, 2 ** -17, 1.0625, 1.1875, -1.0625];
  let s = 12345;
  for (let i = 0; i < 5000; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32;
    vals.push((u - 0.5) * 2 ** Math.floor(u * 40 - 22));
  }
  for (const f of ["e4m3", "e5m2"] as const) {
    // all FP8 values and the midpoints between neighbours (ties)
    const grid: number[] = [];
    for (let b = 0; b < 128; b++) grid.push(decodeFp8(b, f));
    const finite = grid.filter(Number.isFinite);
    for (let i = 0; i + 1 < finite.length; i++) vals.push((finite[i]! + finite[i + 1]!) / 2, -(finite[i]! + finite[i + 1]!) / 2);
    const x = Float32Array.from(vals);
    const ref = toFp8(x, f);
    const got = toFp8Tensor(tf.tensor1d(x), f).dataSync();
    for (let i = 0; i < x.length; i++) assert.ok(got[i] === ref[i], `${f} x=${x[i]}: tfjs ${got[i]} vs ${ref[i]}`);
  }
});
