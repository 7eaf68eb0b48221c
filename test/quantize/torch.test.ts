import { test } from "node:test";
import assert from "node:assert/strict";
import { quantizeTensor, codesOf, type QuantizeOptions } from "../../src/quantize/int.js";
import { runPythonJson } from "../helpers/python.js";
import { skipOrFail } from "../helpers/require-tool.js";

test("integer codes, scales and zero points match an independent torch float32 implementation", (t) => {
  const [rows, cols] = [70, 12];
  const x = new Float32Array(rows * cols);
  let s = 99;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = (s / 2 ** 32 - 0.4) * (i % 37 === 0 ? 40 : 3);
  }
  // exact ties for the rounding rule: multiples of 0.5 in a block whose scale is 1
  x.set([127, 0.5, 1.5, -2.5, 3.5, -126.5], 0);
  const cases: QuantizeOptions[] = [];
  for (const bits of [3, 4, 8]) for (const symmetric of [true, false]) for (const granularity of ["tensor", "channel", "token", "group"] as const) cases.push({ bits, symmetric, granularity, ...(granularity === "group" ? { groupSize: 32 } : {}) });
  const res = runPythonJson<{ skip?: string; results: { codes: number[]; scales: number[]; zeroPoints: number[] | null }[] }>("quantize_reference.py", { x: Array.from(x), shape: [rows, cols], cases });
  if (res.skip) return skipOrFail(t, res.skip);
  cases.forEach((o, k) => {
    const q = quantizeTensor(x, [rows, cols], o);
    const ref = res.results[k]!;
    assert.deepEqual(Array.from(codesOf(q)), ref.codes, `codes ${JSON.stringify(o)}`);
    assert.deepEqual(Array.from(q.scales), ref.scales.map(Math.fround), `scales ${JSON.stringify(o)}`);
    if (!o.symmetric) assert.deepEqual(Array.from(q.zeroPoints!), ref.zeroPoints, `zero points ${JSON.stringify(o)}`);
  });
});

test("GPTQ matches a torch implementation of the reference's blocked algorithm (per-channel and group-wise)", async (t) => {
  const { gptqQuantize } = await import("../../src/quantize/gptq.js");
  const [T, rows, cols] = [300, 160, 24]; // rows > 128: exercises the reference's block boundary
  let s = 7;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5);
  const base = Array.from({ length: T * 8 }, u);
  const x = Float32Array.from({ length: T * rows }, (_, i) => base[Math.floor(i / rows) * 8 + (i % 8)]! * (1 + (i % rows) / rows) + 0.1 * u());
  const w = Float32Array.from({ length: rows * cols }, () => 2 * u());
  const xtx = new Float32Array(rows * rows);
  for (let a = 0; a < rows; a++)
    for (let b = 0; b < rows; b++) {
      let acc = 0;
      for (let k = 0; k < T; k++) acc += x[k * rows + a]! * x[k * rows + b]!;
      xtx[a * rows + b] = acc;
    }
  for (const groupSize of [null, 32]) {
    const ref = runPythonJson<{ skip?: string; q: number[] }>("quantize_gptq.py", { w: Array.from(w), rows, cols, xtx: Array.from(xtx), tokens: T, bits: 3, groupSize, damp: 0.01 });
    if (ref.skip) return skipOrFail(t, ref.skip);
    const got = gptqQuantize(w, rows, cols, xtx, T, groupSize ? { bits: 3, symmetric: false, granularity: "group", groupSize } : { bits: 3, symmetric: false, granularity: "channel" });
    // Float64 in both, but the blocked and unblocked updates sum in different orders, so a value sitting on a
    // rounding boundary could flip to the neighbouring code: allow a handful (0 of 3840 differ at the time of writing).
    let differ = 0;
    for (let i = 0; i < got.length; i++) if (Math.abs(got[i]! - ref.q[i]!) > 1e-5) differ++;
    if (process.env.QUANTSCOPE_VERBOSE) console.log(`GPTQ vs torch, groupSize ${groupSize}: ${differ} of ${got.length} differ`);
    assert.ok(differ <= 4, `${differ} of ${got.length} GPTQ weights differ from torch (groupSize ${groupSize})`);
  }
});
