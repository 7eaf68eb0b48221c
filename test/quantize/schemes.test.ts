import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { floatLinear, type LinearCall, type LinearSite } from "../../src/model/linear.js";
import {
  PAPER_SCHEMES, label, schemeId, schemeLinear, calibrate, fakeQuant, fakeQuantArray, smoothingFactors, smooth, rowAbsmax,
  llmInt8Activations, sqnrDb, SqnrRecorder, quantizedModelBytes, quantizeTensor, gptqQuantize, needsCalibration, type Scheme,
} from "../../src/quantize/index.js";

await tf.setBackend("cpu");

function rng(seed: number) {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()); // standard normal
}
function randn(n: number, seed: number, scale = 1): Float32Array {
  const g = rng(seed);
  return Float32Array.from({ length: n }, () => g() * scale);
}
const rel = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.norm(tf.sub(a, b)).dataSync()[0]! / tf.norm(b).dataSync()[0]!);
const call = (name: string, x: tf.Tensor2D, w: tf.Tensor2D, site: LinearSite = "mlp.in", b?: tf.Tensor1D): LinearCall => ({ name, layer: 0, site, x, w, ...(b ? { b } : {}) });

test("sqnrDb: hand-worked values", () => {
  // Σx² = 9 + 16 = 25, Σe² = 0 + 1 = 1 -> 10·log10(25) = 13.979…
  assert.ok(Math.abs(sqnrDb([3, 4], [3, 3]) - 10 * Math.log10(25)) < 1e-12);
  assert.equal(sqnrDb([1, 2], [1, 2]), Infinity);
  assert.ok(Math.abs(sqnrDb(tf.tensor1d([3, 4]), tf.tensor1d([3, 3])) - 13.979400086720377) < 1e-6);
});

test("a weight with one large outlier column: per-tensor error large, per-channel small", () => {
  const [rows, cols] = [64, 16];
  const w = randn(rows * cols, 1);
  for (let r = 0; r < rows; r++) w[r * cols + 5]! *= 100; // output channel 5 is 100x larger
  const perTensor = fakeQuantArray(w, [rows, cols], { bits: 8, symmetric: true, granularity: "tensor" });
  const perChannel = fakeQuantArray(w, [rows, cols], { bits: 8, symmetric: true, granularity: "channel" });
  // SQNR over the ordinary columns only, where per-tensor's scale (set by the outlier) is 100x too coarse.
  const ordinary = (a: Float32Array) => a.filter((_, i) => i % cols !== 5);
  const sT = sqnrDb(ordinary(w), ordinary(perTensor));
  const sC = sqnrDb(ordinary(w), ordinary(perChannel));
  assert.ok(sC > 38, `per-channel SQNR ${sC}`); // ~6.02·8 − 10·log10(absmax²/(3σ²)) ≈ 40 dB
  assert.ok(sT < sC - 30, `per-tensor ${sT} dB vs per-channel ${sC} dB`);
});

test("activations with outlier tokens: W8A8 per-tensor error large, vector-wise small", () => {
  const [T, d, o] = [32, 64, 16];
  const x = randn(T * d, 2);
  for (const t of [3, 17]) for (let j = 0; j < d; j++) x[t * d + j]! *= 60; // two outlier rows (tokens)
  const xt = tf.tensor2d(x, [T, d]);
  const w = tf.tensor2d(randn(d * o, 3, 0.1), [d, o]);
  const ref = floatLinear(call("l", xt, w));
  const eT = rel(schemeLinear({ name: "w8a8-tensor", mode: "dynamic" })(call("l", xt, w)), ref);
  const eV = rel(schemeLinear({ name: "w8a8-vector" })(call("l", xt, w)), ref);
  // relative error on the ordinary tokens only
  const ordinary = (y: tf.Tensor2D) => tf.gather(y, [0, 1, 2, 4, 5, 6, 7, 8]);
  const yT = schemeLinear({ name: "w8a8-tensor", mode: "dynamic" })(call("l", xt, w));
  const yV = schemeLinear({ name: "w8a8-vector" })(call("l", xt, w));
  const oT = rel(ordinary(yT), ordinary(ref)), oV = rel(ordinary(yV), ordinary(ref));
  assert.ok(oV < 0.02, `vector-wise ordinary-token error ${oV}`);
  assert.ok(oT > 5 * oV, `per-tensor ${oT} vs vector-wise ${oV}`);
  assert.ok(eV <= eT);
});

test("activations with an outlier feature column: LLM.int8 keeps it exact and recovers float; per-tensor and vector-wise do not", () => {
  const [T, d, o] = [32, 64, 16];
  const x = randn(T * d, 4);
  for (let t = 0; t < T; t++) x[t * d + 9] = 40 + t; // feature 9 is a systematic outlier (|x| ≥ 6 everywhere)
  const xt = tf.tensor2d(x, [T, d]);
  const w = tf.tensor2d(randn(d * o, 5, 0.1), [d, o]);
  const ref = floatLinear(call("l", xt, w));
  // LLM.int8's effective activations: the outlier column is bit-exact, the others per-token int8.
  const xq = llmInt8Activations(xt, 6, 8).arraySync();
  for (let t = 0; t < T; t++) assert.equal(xq[t]![9], x[t * d + 9]);
  const eL = rel(schemeLinear({ name: "llm-int8", threshold: 6 })(call("l", xt, w)), ref);
  const eV = rel(schemeLinear({ name: "w8a8-vector" })(call("l", xt, w)), ref);
  const eT = rel(schemeLinear({ name: "w8a8-tensor", mode: "dynamic" })(call("l", xt, w)), ref);
  assert.ok(eL < 0.01, `LLM.int8 relative error ${eL}`);
  assert.ok(eV > 3 * eL && eT > 3 * eL, `vector-wise ${eV}, per-tensor ${eT}, LLM.int8 ${eL}`);
  // Its int8 part equals vector-wise on the regular columns plus the exact float outlier product.
  const mask = tf.tensor1d(Array.from({ length: d }, (_, j) => (j === 9 ? 1 : 0)));
  const xOut = tf.mul(xt, mask) as tf.Tensor2D;
  const wq = fakeQuant(w, { bits: 8, symmetric: true, granularity: "channel" });
  const expected = tf.add(tf.matMul(fakeQuant(tf.sub(xt, xOut) as tf.Tensor2D, { bits: 8, symmetric: true, granularity: "token" }), wq), tf.matMul(xOut, w));
  assert.ok(rel(schemeLinear({ name: "llm-int8", threshold: 6 })(call("l", xt, w)), expected) < 1e-6);
  // SmoothQuant (calibrated on the same batch) also fixes per-tensor W8A8 here.
  const cal = calibrate();
  cal.linear(call("l", xt, w, "mlp.in"));
  return cal.finish().then((c) => {
    const eS = rel(schemeLinear({ name: "smoothquant", alpha: 0.5 }, c)(call("l", xt, w, "mlp.in")), ref);
    assert.ok(eS < eT / 3, `SmoothQuant ${eS} vs per-tensor ${eT}`);
    cal.dispose();
  });
});

test("SmoothQuant leaves X·W unchanged in float before rounding", () => {
  const [T, d, o] = [16, 32, 8];
  const x = randn(T * d, 6);
  for (let t = 0; t < T; t++) x[t * d + 2]! *= 30;
  const w = randn(d * o, 7, 0.2);
  const cmax = new Float32Array(d);
  for (let i = 0; i < x.length; i++) cmax[i % d] = Math.max(cmax[i % d]!, Math.abs(x[i]!));
  const s = smoothingFactors(cmax, rowAbsmax(w, d, o), 0.5);
  // hand check one factor: s_j = sqrt(max|X_j|) / sqrt(max|W_j|)
  const wmax2 = Math.max(...Array.from(w.slice(2 * o, 3 * o), Math.abs));
  assert.ok(Math.abs(s[2]! - Math.sqrt(cmax[2]!) / Math.sqrt(wmax2)) < 1e-5 * s[2]!);
  const xt = tf.tensor2d(x, [T, d]), wt = tf.tensor2d(w, [d, o]);
  const sm = smooth(xt, wt, tf.tensor1d(s));
  assert.ok(rel(tf.matMul(sm.x, sm.w), tf.matMul(xt, wt)) < 1e-6);
  // smoothing migrated the outlier: max|X'_j|·… is balanced: max|X'_j| = max|W'_j| when α = 0.5
  const xs = tf.max(tf.abs(sm.x), 0).dataSync(), ws = tf.max(tf.abs(sm.w), 1).dataSync();
  for (let j = 0; j < d; j++) assert.ok(Math.abs(xs[j]! - ws[j]!) < 1e-4 * Math.max(xs[j]!, 1e-3), `channel ${j}`);
});

test("calibrate records absmax, per-channel absmax, token count and Σxxᵀ while returning the float result", async () => {
  const w = tf.tensor2d([[1, 0], [0, 1]]);
  const cal = calibrate({ hessian: true });
  const y1 = cal.linear(call("a.w", tf.tensor2d([[1, -2], [3, 0.5]]), w));
  tf.tidy(() => cal.linear(call("a.w", tf.tensor2d([[-4, 1]]), w))); // inside a caller's tidy, like the model
  assert.deepEqual(y1.arraySync(), [[1, -2], [3, 0.5]]);
  const c = await cal.finish();
  const st = c.get("a.w")!;
  assert.equal(st.absmax, 4);
  assert.equal(st.min, -4);
  assert.equal(st.max, 3);
  assert.deepEqual(Array.from(st.channelAbsmax), [4, 2]);
  assert.equal(st.tokens, 3);
  // Σ x xᵀ = [1,-2]ᵀ[1,-2] + [3,.5]ᵀ[3,.5] + [-4,1]ᵀ[-4,1] = [[1+9+16, -2+1.5-4], [.., 4+.25+1]]
  assert.deepEqual(Array.from(st.xtx!), [26, -4.5, -4.5, 5.25]);
  cal.dispose();
});

test("static per-tensor W8A8 uses the calibrated absmax; values beyond it are clipped", async () => {
  const w = tf.tensor2d([[1]]);
  const cal = calibrate();
  cal.linear(call("s.w", tf.tensor2d([[127], [-1]]), w)); // absmax 127 -> activation scale 1
  const lin = schemeLinear({ name: "w8a8-tensor", mode: "static" }, await cal.finish());
  // weight [[1]] per-tensor: s = 1/127, code 127, exact. x: 2.5 -> 2 (ties to even), 300 -> clipped to 127
  assert.deepEqual(Array.from(lin(call("s.w", tf.tensor2d([[2.5], [300]]), w)).dataSync()), [2, 127]);
  assert.throws(() => schemeLinear({ name: "w8a8-tensor", mode: "static" })(call("s.w", tf.tensor2d([[1]]), w)), /Calibration/);
});

test("schemeLinear: fp32 is float, weight-only equals x·Q(w)+b, the head stays float unless asked, weights are cached per name", () => {
  const x = tf.tensor2d(randn(8 * 16, 8), [8, 16]);
  const w = tf.tensor2d(randn(16 * 4, 9), [16, 4]);
  const b = tf.tensor1d([1, 2, 3, 4]);
  assert.ok(rel(schemeLinear({ name: "fp32" })(call("l", x, w, "mlp.in", b)), floatLinear(call("l", x, w, "mlp.in", b))) === 0);
  const wq = tf.tensor2d(fakeQuantArray(w.dataSync() as Float32Array, [16, 4], { bits: 4, symmetric: false, granularity: "group", groupSize: 32 }), [16, 4]);
  const lin = schemeLinear({ name: "w4-group", groupSize: 32 });
  assert.ok(rel(lin(call("l", x, w, "mlp.in", b)), tf.add(tf.matMul(x, wq), b)) < 1e-7);
  assert.ok(rel(lin(call("head.w", x, w, "head")), tf.matMul(x, w)) === 0);
  assert.ok(rel(schemeLinear({ name: "w4-group", groupSize: 32, skipHead: false })(call("head.w", x, w, "head")), tf.matMul(x, wq)) < 1e-7);
  // Cached by name: a different w under the same name still uses the first quantization until clear().
  const before = tf.memory().numTensors;
  const y1 = lin(call("l", x, tf.mul(w, 2) as tf.Tensor2D));
  assert.ok(rel(y1, tf.matMul(x, wq)) < 1e-7);
  lin.clear();
  assert.ok(rel(lin(call("l", x, tf.mul(w, 2) as tf.Tensor2D)), tf.matMul(x, wq)) > 0.5);
  lin.dispose();
  assert.ok(tf.memory().numTensors >= 0 && before > 0);
});

test("every paper scheme runs, is labelled uniquely and stays close to float at 8 bits", async () => {
  const x = tf.tensor2d(randn(24 * 32, 10), [24, 32]);
  const w = tf.tensor2d(randn(32 * 16, 11, 0.2), [32, 16]);
  const cal = calibrate({ hessian: true });
  cal.linear(call("h.0.mlp.in.w", x, w));
  const c = await cal.finish();
  const ref = floatLinear(call("h.0.mlp.in.w", x, w));
  const labels = new Set<string>();
  const schemes: Scheme[] = [...PAPER_SCHEMES, { name: "gptq", wBits: 4 }, { name: "w8a8-vector", aBits: 4 }, { name: "smoothquant", alpha: 0.5, level: "O1" }];
  for (const s of schemes) {
    labels.add(label(s));
    const y = schemeLinear(s, needsCalibration(s) ? c : undefined)(call("h.0.mlp.in.w", x, w));
    const e = rel(y, ref);
    const bound = s.name === "fp32" ? 0 : /^(w4|gptq)|a4-|e5m2/.test(schemeId(s)) ? 0.3 : 0.05;
    assert.ok(e <= bound, `${label(s)}: relative error ${e}`);
  }
  assert.equal(labels.size, schemes.length);
  // Sweeps can serialise schemes.
  assert.deepEqual(JSON.parse(JSON.stringify(PAPER_SCHEMES)), PAPER_SCHEMES);
});

test("SqnrRecorder reports per-layer activation and weight SQNR", async () => {
  const rec = new SqnrRecorder();
  const lin = schemeLinear({ name: "w8a8-vector" }, undefined, { observe: rec.observe });
  const x = tf.tensor2d(randn(16 * 32, 12), [16, 32]);
  const w = tf.tensor2d(randn(32 * 8, 13), [32, 8]);
  lin(call("a.w", x, w));
  lin(call("a.w", x, w));
  const [row] = await rec.table();
  const xq = fakeQuant(x, { bits: 8, symmetric: true, granularity: "token" });
  assert.equal(row!.name, "a.w");
  assert.ok(Math.abs(row!.xSqnrDb! - sqnrDb(x, xq)) < 1e-3); // two identical calls: same ratio
  assert.ok(row!.wSqnrDb! > 35 && row!.xSqnrDb! > 35);
  rec.dispose();
});

test("GPTQ reduces the layer-output error of round-to-nearest on correlated inputs", () => {
  const [T, d, o] = [256, 32, 16];
  const base = randn(T * 4, 14);
  const noise = randn(T * d, 15, 0.1);
  const x = new Float32Array(T * d);
  for (let t = 0; t < T; t++) for (let j = 0; j < d; j++) x[t * d + j] = base[t * 4 + (j % 4)]! * (1 + j / d) + noise[t * d + j]!;
  const w = randn(d * o, 16);
  const xt = tf.tensor2d(x, [T, d]), wt = tf.tensor2d(w, [d, o]);
  const xtx = tf.matMul(xt, xt, true, false).dataSync() as Float32Array;
  const opts = { bits: 3, symmetric: false, granularity: "channel" as const };
  const g = tf.tensor2d(gptqQuantize(w, d, o, xtx, T, opts), [d, o]);
  const r = tf.tensor2d(fakeQuantArray(w, [d, o], opts), [d, o]);
  const ref = tf.matMul(xt, wt);
  const eG = rel(tf.matMul(xt, g), ref), eR = rel(tf.matMul(xt, r), ref);
  assert.ok(eG < 0.7 * eR, `GPTQ ${eG} vs RTN ${eR}`);
  // the first input row is quantized exactly as RTN would (no error has been spread into it yet)
  assert.deepEqual(Array.from(g.dataSync().slice(0, o)), Array.from(r.dataSync().slice(0, o)));
});

test("quantizedModelBytes: exact byte count of a tiny model", () => {
  const d = 64, V = 100;
  const params = {
    wte: { shape: [V, d] },
    "h.0.attn.qkv.w": { shape: [d, 3 * d] },
    "h.0.attn.qkv.b": { shape: [3 * d] },
    "h.0.ln1.g": { shape: [d] },
    "head.w": { shape: [d, V] },
  };
  const floatBytes = 4 * (V * d + d * 3 * d + 3 * d + d + d * V); // 4·(6400 + 12288 + 192 + 64 + 6400) = 101376
  assert.equal(floatBytes, 101376);
  assert.equal(quantizedModelBytes(params, { name: "fp32" }).total, floatBytes);
  // W8 per-channel: qkv = 12288 int8 codes + 192 float32 scales = 12288 + 768 = 13056 (was 49152)
  assert.equal(quantizedModelBytes(params, { name: "w8" }).total, floatBytes - 49152 + 13056);
  // W4 g32 asymmetric: 12288/2 = 6144 code bytes; 64/32 = 2 groups × 192 columns = 384 scales (1536 B) + 384 zero points
  assert.equal(quantizedModelBytes(params, { name: "w4-group", groupSize: 32 }).total, floatBytes - 49152 + 6144 + 1536 + 384);
  // head quantized too when not skipped: 6400 int8 + 100 scales
  assert.equal(quantizedModelBytes(params, { name: "w8", skipHead: false }).total, floatBytes - 49152 + 13056 - 25600 + 6400 + 400);
  // FP8: one byte per element + one scale
  assert.equal(quantizedModelBytes(params, { name: "fp8", format: "e4m3" }).total, floatBytes - 49152 + 12288 + 4);
  // and it matches real storage
  const q = quantizeTensor(randn(d * 3 * d, 17), [d, 3 * d], { bits: 4, symmetric: false, granularity: "group", groupSize: 32 });
  assert.equal(q.bytes, 6144 + 1536 + 384);
  const m = new Map([["h.0.attn.qkv.w", tf.zeros([d, 3 * d])]]);
  assert.equal(quantizedModelBytes(m, { name: "w4-group", groupSize: 32 }).total, q.bytes);
});

test("labels distinguish formats that differ only in bits or symmetry", () => {
  const ls = [
    { name: "w4" },
    { name: "w8", wBits: 4 },
    { name: "w4", wSymmetric: true },
    { name: "w8" },
    { name: "w4", wBits: 8 },
    { name: "w8a8-vector", aBits: 6 },
    { name: "w8a8-vector", aSymmetric: false },
    { name: "w8", skipHead: false },
  ].map((s) => label(s as Scheme));
  assert.deepEqual(ls, [
    "W4 per-channel",
    "W4 per-channel (sym)",
    "W4 per-channel (sym)",
    "W8 per-channel",
    "W8 per-channel (asym)",
    "W8A6 vector-wise",
    "W8A8 vector-wise (asym act)",
    "W8 per-channel (+head)",
  ]);
});

test("percentile calibration and clipped static W8A8", async () => {
  const w = tf.tensor2d([[1]]);
  const cal = calibrate({ percentiles: [50, 99, 100] });
  // |x| = 0, 1, …, 100 over two calls
  cal.linear(call("p.w", tf.tensor2d(Array.from({ length: 51 }, (_, i) => [i]), [51, 1]), w));
  cal.linear(call("p.w", tf.tensor2d(Array.from({ length: 50 }, (_, i) => [-(51 + i)]), [50, 1]), w));
  const c = await cal.finish();
  // 101 sorted values 0…100: percentile p sits at position 100·p/100 = p
  assert.deepEqual(c.get("p.w")!.absPercentiles, { "50": 50, "99": 99, "100": 100 });
  // clip at the 50th percentile: range [-50, 50] -> scale 50/127; 100 is clipped to 50
  const lin = schemeLinear({ name: "w8a8-tensor", mode: "static", clipPercentile: 50 }, c);
  const y = lin(call("p.w", tf.tensor2d([[100], [-100]]), w)).dataSync();
  assert.ok(Math.abs(y[0]! - 50) < 1e-4 && Math.abs(y[1]! + 50) < 1e-4, `clipped outputs ${y}`);
  assert.throws(() => schemeLinear({ name: "w8a8-tensor", mode: "static", clipPercentile: 99.9 }, c)(call("p.w", tf.tensor2d([[1]]), w)), /percentiles/);
  assert.equal(label({ name: "w8a8-tensor", mode: "static", clipPercentile: 99.99 }), "W8A8 per-tensor static p99.99");
  cal.dispose();
});

test("calibrateOptionsFor asks for what the schemes need", async () => {
  const { calibrateOptionsFor } = await import("../../src/quantize/schemes.js");
  assert.deepEqual(calibrateOptionsFor(PAPER_SCHEMES), {});
  assert.deepEqual(calibrateOptionsFor([...PAPER_SCHEMES, { name: "gptq" }, { name: "w8a8-tensor", mode: "static", clipPercentile: 99.99 }]), { hessian: true, percentiles: [99.99] });
});
