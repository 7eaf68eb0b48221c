import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import type { LinearCall } from "../../src/model/linear.js";
import { awqSearch } from "../../src/quantize/schemes/awq.js";
import { calibrate, calibrateOptionsFor, quantizedModelBytes, schemeLinear, weightFormat, type Scheme } from "../../src/quantize/index.js";
import { randomData } from "../helpers/quantize.js";
import { runPythonJson } from "../helpers/python.js";
import { skipOrFail } from "../helpers/require-tool.js";

await tf.setBackend("cpu");

/** Tokens whose channels 3, 40 and 77 are 8x larger than the rest: the salient channels AWQ protects. */
function inputs(T: number, rows: number, cols: number) {
  const x = randomData(T * rows, 21);
  for (let t = 0; t < T; t++) for (const j of [3, 40, 77]) x[t * rows + j]! *= 8;
  const w = randomData(rows * cols, 22);
  return { x, w };
}

test("AWQ's scale search matches an independent torch implementation and beats round-to-nearest", async (t) => {
  const [T, rows, cols, groupSize] = [256, 96, 24, 32];
  const { x, w } = inputs(T, rows, cols);
  const ref = runPythonJson<{ skip?: string; ratio: number; losses: number[]; wq: number[] }>("quantize_awq.py", { w: Array.from(w), wShape: [rows, cols], x: Array.from(x), xShape: [T, rows], bits: 4, groupSize, nGrid: 20 });
  if (ref.skip) {
    if (process.env.CI) assert.fail(ref.skip);
    return skipOrFail(t, ref.skip);
  }
  const scheme: Scheme = { name: "awq", groupSize, sampleTokens: T };
  const xt = tf.tensor2d(x, [T, rows]), wt = tf.tensor2d(w, [rows, cols]);
  const call: LinearCall = { name: "h.0.mlp.in.w", layer: 0, site: "mlp.in", x: xt, w: wt };
  const cal = calibrate(calibrateOptionsFor([scheme]));
  cal.linear(call);
  const calib = await cal.finish();
  cal.dispose();
  const st = calib.get(call.name)!;
  // Every token fits in the sample, so it is X itself, in order.
  assert.deepEqual(Array.from(st.tokenSample!.rows), Array.from(x));

  const res = awqSearch(wt, xt, st.channelAbsMean!, weightFormat(scheme)!, 20);
  assert.equal(res.ratio, ref.ratio, `chosen α: ours ${res.ratio}, torch ${ref.ratio}`);
  res.losses.forEach((l, i) => assert.ok(Math.abs(l - ref.losses[i]!) <= 1e-4 * ref.losses[i]!, `loss at α=${i / 20}: ${l} vs torch ${ref.losses[i]}`));
  // The scales are float32 in both, but pow and the channel means may differ in the last bit, which can move a
  // value across a rounding boundary: allow a few codes in a thousand (0 of 2304 differed when written).
  const got = res.wq.dataSync();
  const tol = 1e-5 * Math.max(...ref.wq.map(Math.abs));
  const differ = ref.wq.filter((v, i) => Math.abs(got[i]! - v) > tol).length;
  assert.ok(differ <= got.length / 300, `${differ} of ${got.length} AWQ weights differ from torch`);
  // α = 0 is plain RTN; with salient channels the search finds a better exponent.
  assert.ok(res.ratio > 0 && Math.min(...res.losses) < 0.9 * res.losses[0]!, `AWQ loss ${Math.min(...res.losses)} vs RTN ${res.losses[0]} (α=${res.ratio})`);

  // The scheme computes x · Ŵ with the searched weights, from the calibration alone.
  const lin = schemeLinear(scheme, calib);
  const y = lin(call);
  const expected = tf.matMul(xt, res.wq);
  assert.ok(tf.max(tf.abs(tf.sub(y, expected))).dataSync()[0]! <= 1e-6 * tf.max(tf.abs(expected)).dataSync()[0]!);
  lin.dispose();
  res.wq.dispose();
});

test("AWQ: calibration keeps a bounded token sample; a calibration without AWQ's statistics is a clear error", async () => {
  const [T, rows, cols] = [300, 64, 32];
  const { x, w } = inputs(T, rows, cols);
  const xt = tf.tensor2d(x, [T, rows]), wt = tf.tensor2d(w, [rows, cols]);
  const call: LinearCall = { name: "a.w", layer: 0, site: "attn.qkv", x: xt, w: wt };
  const cal = calibrate({ channelAbsMean: true, sampleTokens: 50 });
  cal.linear({ ...call, x: tf.slice(xt, [0, 0], [150, rows]) });
  cal.linear({ ...call, x: tf.slice(xt, [150, 0], [150, rows]) });
  const st = (await cal.finish()).get("a.w")!;
  cal.dispose();
  assert.equal(st.tokenSample!.tokens, 50);
  assert.equal(st.tokenSample!.rows.length, 50 * rows);
  const rowsOfX = new Set(Array.from({ length: T }, (_, t) => Array.from(x.subarray(t * rows, (t + 1) * rows)).join()));
  for (let k = 0; k < 50; k++) assert.ok(rowsOfX.has(Array.from(st.tokenSample!.rows.subarray(k * rows, (k + 1) * rows)).join()), `sample row ${k} is a token`);
  // mean |x| over all 300 tokens, not only the sample
  const mean3 = Array.from({ length: T }, (_, t) => Math.abs(x[t * rows + 3]!)).reduce((a, b) => a + b) / T;
  assert.ok(Math.abs(st.channelAbsMean![3]! - mean3) < 1e-5 * mean3);

  const plain = calibrate();
  plain.linear(call);
  const c = await plain.finish();
  assert.throws(() => schemeLinear({ name: "awq" }, c)(call), /AWQ needs per-channel mean \|x\| and sampled tokens/);
  assert.throws(() => schemeLinear({ name: "awq" })(call), /AWQ needs a Calibration/);
});

test("AWQ stores W4 g128 with zero points: the same bytes as W4 g128 round-to-nearest", () => {
  const params = { "h.0.attn.qkv.w": { shape: [256, 768] } };
  assert.equal(quantizedModelBytes(params, { name: "awq" }).total, quantizedModelBytes(params, { name: "w4-group", groupSize: 128 }).total);
  // 256·768/2 codes + 2 groups × 768 columns × (4 B scale + 1 B zero point)
  assert.equal(quantizedModelBytes(params, { name: "awq" }).total, 98304 + 2 * 768 * 5);
});
