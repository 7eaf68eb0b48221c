import { test } from "node:test";
import assert from "node:assert/strict";
import { quantizeTensor, codesOf, type QuantizeOptions } from "../../src/quantize/int.js";
import { runPythonJson } from "../helpers/python.js";

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
  if (res.skip) return t.skip(res.skip);
  cases.forEach((o, k) => {
    const q = quantizeTensor(x, [rows, cols], o);
    const ref = res.results[k]!;
    assert.deepEqual(Array.from(codesOf(q)), ref.codes, `codes ${JSON.stringify(o)}`);
    assert.deepEqual(Array.from(q.scales), ref.scales.map(Math.fround), `scales ${JSON.stringify(o)}`);
    if (!o.symmetric) assert.deepEqual(Array.from(q.zeroPoints!), ref.zeroPoints, `zero points ${JSON.stringify(o)}`);
  });
});
