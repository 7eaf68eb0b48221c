import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { roundBf16, roundFp16 } from "../../src/ops/precision.js";
import { testBackend } from "../helpers/backend.js";

async function round(fn: (x: tf.Tensor) => tf.Tensor, xs: number[]): Promise<number[]> {
  return Array.from(await fn(tf.tensor1d(xs)).data());
}

/** Reference bf16 rounding by bit manipulation of the float32 pattern (ties to even). */
function bf16Bits(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  const lsb = (u[0]! >>> 16) & 1;
  u[0] = ((u[0]! + 0x7fff + lsb) & 0xffff0000) >>> 0;
  return f[0]!;
}

test("bf16 rounds to nearest, ties to even", async () => {
  await testBackend();
  // 1 + 2^-8 is exactly halfway between 1 and 1 + 2^-7: ties go to the even mantissa, 1.
  // 1 + 3·2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even).
  const xs = [1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -8 + 2 ** -20, -(1 + 2 ** -8), 3.14159, 1e30, -7e-30, 0];
  assert.deepEqual(await round(roundBf16, xs), [1, 1 + 2 ** -6, 1 + 2 ** -7, -1, 3.140625, bf16Bits(1e30), bf16Bits(-7e-30), 0]);
  const many = Array.from({ length: 2000 }, (_, i) => Math.sin(i * 12.9898) * 10 ** ((i % 40) - 20));
  assert.deepEqual(await round(roundBf16, many), many.map(bf16Bits));
  assert.deepEqual(await round(roundBf16, [Infinity, -Infinity]), [Infinity, -Infinity]);
  assert.ok(Number.isNaN((await round(roundBf16, [NaN]))[0]));
});

test("fp16 rounds ties to even, keeps subnormals and overflows at 65520", async () => {
  await testBackend();
  const cases: [number, number][] = [
    [1 + 2 ** -11, 1], // tie, even is 1
    [1 + 3 * 2 ** -11, 1 + 2 ** -9], // tie, even is 1 + 2^-9
    [65504, 65504],
    [65519, 65504], // below the halfway point to 65536
    [65520, Infinity], // exactly halfway: rounds to the even 65536, which overflows
    [-70000, -Infinity],
    [2 ** -24, 2 ** -24], // smallest subnormal
    [2 ** -25, 0], // halfway between 0 and 2^-24: ties to even 0
    [3 * 2 ** -25, 2 ** -23], // 1.5 ulps: ties to even 2 ulps
    [2 ** -14 + 2 ** -25, 2 ** -14], // smallest normal, remainder below half an ulp (2^-24)
    [0.1, 0.0999755859375],
  ];
  assert.deepEqual(await round(roundFp16, cases.map((c) => c[0])), cases.map((c) => c[1]));
  assert.deepEqual(await round(roundFp16, [Infinity, -Infinity, 1e38]), [Infinity, -Infinity, Infinity]);
  assert.ok(Number.isNaN((await round(roundFp16, [NaN]))[0]));
  // Every fp16 subnormal and tie on the 2^-24 grid, against exact arithmetic.
  const grid = Array.from({ length: 400 }, (_, k) => (k / 2 - 100) * 2 ** -24);
  const even = (v: number) => { const f = Math.floor(v), r = v - f; return r > 0.5 || (r === 0.5 && f % 2 !== 0) ? f + 1 : f; };
  // A negative value that rounds to zero is −0, as a real cast gives.
  assert.deepEqual(await round(roundFp16, grid), grid.map((v) => even(v * 2 ** 24) * 2 ** -24 || (v < 0 ? -0 : 0)));
});
