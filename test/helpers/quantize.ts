/** Shared inputs and checks for the quantizer tests. */
import assert from "node:assert/strict";
import type { QuantizeOptions, QuantizedTensor } from "../../src/quantize/int.js";

/** Deterministic pseudo-random normal-ish data with, when `outlier` is set, a ± outlier every 97th element. */
export function randomData(n: number, seed: number, outlier = 0): Float32Array {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (u() + u() + u() - 1.5) * 2;
  if (outlier) for (let i = 0; i < n; i += 97) out[i] = outlier * (u() < 0.5 ? -1 : 1);
  return out;
}

/** Every combination of `bits`, both modes and every granularity, group-wise once per group size. */
export function optionGrid(bits: readonly number[], groupSizes: readonly number[]): QuantizeOptions[] {
  const out: QuantizeOptions[] = [];
  for (const b of bits)
    for (const symmetric of [true, false])
      for (const granularity of ["tensor", "channel", "token", "group"] as const)
        for (const groupSize of granularity === "group" ? groupSizes : [undefined])
          out.push({ bits: b, symmetric, granularity, ...(groupSize ? { groupSize } : {}) });
  return out;
}

/** `b` holds exactly what `a` holds: shape, codes, scales, zero points and byte count. */
export function assertSameQuantized(a: QuantizedTensor, b: QuantizedTensor, tag: string): void {
  assert.deepEqual(b.shape, a.shape, `shape ${tag}`);
  assert.deepEqual(Array.from(b.codes), Array.from(a.codes), `codes ${tag}`);
  assert.deepEqual(Array.from(b.scales), Array.from(a.scales), `scales ${tag}`);
  assert.deepEqual(b.zeroPoints && Array.from(b.zeroPoints), a.zeroPoints && Array.from(a.zeroPoints), `zero points ${tag}`);
  assert.equal(b.bytes, a.bytes, `bytes ${tag}`);
}
