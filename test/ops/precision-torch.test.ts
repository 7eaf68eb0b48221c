import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { selectBackend } from "../../src/backend/select.js";
import { roundBf16, roundFp16 } from "../../src/ops/precision.js";
import { testBackend } from "../helpers/backend.js";
import { castMismatches, torchCasts } from "../helpers/python.js";
import { skipOrFail } from "../helpers/require-tool.js";


/** Edge inputs: signed zeros, every float32 subnormal decade, both half formats' underflow and overflow edges, NaN and Inf. */
function edgeInputs(): Float32Array {
  const xs: number[] = [0, -0, NaN, Infinity, -Infinity, 2 ** -149, -(2 ** -149), 2 ** -126, -(2 ** -126), 2 ** -133, 3 * 2 ** -134, -(5 * 2 ** -134)];
  for (const e of [-25, -24, -20, -14]) xs.push(2 ** e, -(2 ** e), 1.5 * 2 ** e, -(2 ** (e - 1)) * 0.9);
  xs.push(65504, 65519.99, 65520, -65520, 3.3895e38, -3.3895e38, 1e-30, -1e-30, 1e-40, -1e-40);
  // Random float32 subnormals (below 2^-126) and tiny normals, both signs, from fixed bit patterns.
  let s = 12345;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < 600; i++) {
    u[0] = (next() & 0x007fffff) | (i % 2 ? 0x80000000 : 0); // subnormal mantissa, alternating sign
    xs.push(f[0]!);
    u[0] = ((next() % 40) << 23) + (next() & 0x007fffff) + (i % 3 ? 0 : 0x80000000); // exponents 2^-126 … 2^-88
    xs.push(f[0]!);
  }
  return Float32Array.from(xs);
}

test("bf16 and fp16 rounding match torch's casts bit for bit at the edges (signed zeros, subnormals, NaN, Inf), on wasm and cpu", async (t) => {
  const x = edgeInputs();
  const ref = torchCasts(x, ["bfloat16", "float16"]);
  if ("skip" in ref) return skipOrFail(t, ref.skip);
  const backends = process.env.QUANTSCOPE_BACKEND ? [undefined] : (["wasm", "cpu"] as const);
  try {
    for (const backend of backends) {
      if (backend) await selectBackend({ backend });
      else await testBackend();
      for (const [name, fn, want] of [["bf16", roundBf16, ref.casts.bfloat16], ["fp16", roundFp16, ref.casts.float16]] as const) {
        const got = (await fn(tf.tensor1d(x)).data()) as Float32Array;
        const bad = castMismatches(x, got, want);
        assert.deepEqual(bad.slice(0, 10), [], `${name} on ${tf.getBackend()}: ${bad.length} of ${x.length} differ`);
      }
    }
  } finally {
    await testBackend();
  }
});
