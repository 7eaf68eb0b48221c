import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import type { LinearCall } from "../../src/model/linear.js";
import { toMinifloatTensor } from "../../src/quantize/fp8.js";
import { E2M1, fakeFp4 } from "../../src/quantize/schemes/fp4.js";
import { label, quantizedModelBytes, schemeLinear } from "../../src/quantize/index.js";
import { randomData } from "../helpers/quantize.js";
import { runPythonJson } from "../helpers/python.js";
import { skipOrFail } from "../helpers/require-tool.js";

await tf.setBackend("cpu");

/** Values with −0 read as 0: the sign of a zero that rounds away is not part of the format's contract. */
const values = (v: ArrayLike<number>) => Array.from(v, (x) => x + 0);

test("E2M1 rounding: the eight magnitudes, ties to the even mantissa, saturation at 6 (hand-worked)", () => {
  const x = [0, 0.5, 1, 1.5, 2, 3, 4, 6, 0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5, -0.3, -5.5, 7, 100, -0.2];
  // ties: 0.25 → 0 (m=0), 0.75 → 1, 1.25 → 1, 1.75 → 2, 2.5 → 2, 3.5 → 4, 5 → 4; then nearest and ±6 saturation
  const want = [0, 0.5, 1, 1.5, 2, 3, 4, 6, 0, 1, 1, 2, 2, 4, 4, -0.5, -6, 6, 6, 0];
  assert.deepEqual(values(toMinifloatTensor(tf.tensor1d(x), E2M1).dataSync()), want);
});

test("W4A8 FP (FP4 E2M1 weights, FP8 E4M3 activations) matches an independent torch implementation", (t) => {
  const [T, rows, cols] = [40, 80, 48]; // 80 rows: group 32 leaves a partial last group
  const w = randomData(rows * cols, 5, 9);
  const x = randomData(T * rows, 6, 30);
  for (const groupSize of [null, 32]) {
    const ref = runPythonJson<{ skip?: string; wq: number[]; xq: number[]; y: number[] }>("quantize_fp4.py", { w: Array.from(w), wShape: [rows, cols], x: Array.from(x), xShape: [T, rows], groupSize });
    if (ref.skip) {
      if (process.env.CI) assert.fail(ref.skip);
      return skipOrFail(t, ref.skip);
    }
    const wt = tf.tensor2d(w, [rows, cols]), xt = tf.tensor2d(x, [T, rows]);
    assert.deepEqual(values(fakeFp4(wt, groupSize ?? undefined).dataSync()), values(ref.wq), `weights, groupSize ${groupSize}`);
    let seen: { xq: tf.Tensor; wq: tf.Tensor } | undefined;
    const scheme = groupSize ? { name: "fp4" as const, groupSize } : { name: "fp4" as const };
    const lin = schemeLinear(scheme, undefined, { observe: (ev) => (seen = { xq: tf.keep(ev.xq!.clone()), wq: ev.wq! }) });
    const call: LinearCall = { name: "l.w", layer: 0, site: "mlp.in", x: xt, w: wt };
    const y = lin(call).dataSync();
    assert.deepEqual(values(seen!.xq.dataSync()), values(ref.xq), `E4M3 activations, groupSize ${groupSize}`);
    assert.deepEqual(values(seen!.wq.dataSync()), values(ref.wq));
    let worst = 0, scale = 0;
    for (let i = 0; i < y.length; i++) (worst = Math.max(worst, Math.abs(y[i]! - ref.y[i]!))), (scale = Math.max(scale, Math.abs(ref.y[i]!)));
    assert.ok(worst <= 1e-5 * scale, `outputs differ by ${worst} (max |y| ${scale})`); // float32 matmul summation order only
    lin.dispose();
  }
});

test("FP4 storage is half a byte per weight plus one float32 scale per block; label says what it is", () => {
  const params = { "h.0.mlp.in.w": { shape: [64, 192] }, "h.0.ln1.g": { shape: [64] }, "head.w": { shape: [64, 100] } };
  const rest = 4 * (64 + 64 * 100);
  // per channel: 64·192/2 = 6144 code bytes + 192 scales · 4 B
  assert.equal(quantizedModelBytes(params, { name: "fp4" }).total, rest + 6144 + 768);
  // groups of 32 rows: 2 groups × 192 columns of scales
  assert.equal(quantizedModelBytes(params, { name: "fp4", groupSize: 32 }).total, rest + 6144 + 2 * 192 * 4);
  assert.equal(label({ name: "fp4" }), "W4A8 FP4-E2M1/FP8-E4M3");
  assert.equal(label({ name: "fp4", groupSize: 32 }), "W4A8 FP4-E2M1/FP8-E4M3 g32");
});
