/**
 * Quantize / dequantize throughput of the typed-array quantizer (`src/quantize/int.ts`) on a 4096×4096
 * float32 matrix (64 MiB), in GB/s of float32 (quantize: float32 read; dequantize: float32 written),
 * beside a plain copy of the same matrix measured in the same run: the memory-bandwidth bound.
 * Two pairings, so allocation is treated alike on both sides:
 * - into existing buffers: quantize reusing a previous result's arrays (`{ into }`), dequantize into a
 *   given array, against `dst.set(x)` (memcpy into an existing array);
 * - fresh buffers: quantize allocating its result, against `x.slice()` (a copy into a new array, as a
 *   tensor clone does); fresh pages cost a page fault each on first write, on both sides.
 * `baseline_ratio` = throughput / copy throughput of its pairing; target ≥ 0.5. Each figure is the
 * median of several repetitions after a warm-up.
 */
import { fileURLToPath } from "node:url";
import { quantizeTensor, dequantize, type QuantizeOptions } from "../src/quantize/int.js";
import { timeMedian } from "./timing.js";
import type { BenchRow } from "./types.js";

export interface QuantizeBenchOptions {
  /** Matrix side (default 4096). */
  readonly n?: number;
  /** Timed repetitions per case (default 7). */
  readonly reps?: number;
}

export async function benchQuantize(opts: QuantizeBenchOptions = {}): Promise<BenchRow[]> {
  const n = opts.n ?? 4096;
  const reps = opts.reps ?? 7;
  const shape = [n, n];
  const x = new Float32Array(n * n);
  let s = 1;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = (s / 2 ** 32 - 0.5) * 4;
  }
  const gb = x.byteLength / 1e9;
  const dst = new Float32Array(x.length);
  const copyS = timeMedian(() => dst.set(x), reps);
  const copy = gb / copyS;
  const freshS = timeMedian(() => void x.slice(), reps);
  const copyFresh = gb / freshS;
  const rows: BenchRow[] = [
    { bench: "quantize", case: `copy ${n}x${n} f32 into existing array (memcpy baseline)`, value: copy, unit: "GB/s", baseline_ratio: 1 },
    { bench: "quantize", case: `copy ${n}x${n} f32 into new array (slice baseline)`, value: copyFresh, unit: "GB/s", baseline_ratio: 1 },
  ];

  const cases: [string, QuantizeOptions][] = [
    ["int8 per-tensor sym", { bits: 8, symmetric: true, granularity: "tensor" }],
    ["int8 per-channel sym", { bits: 8, symmetric: true, granularity: "channel" }],
    ["int8 per-token sym", { bits: 8, symmetric: true, granularity: "token" }],
    ["int8 group128 sym", { bits: 8, symmetric: true, granularity: "group", groupSize: 128 }],
    ["int4 group128 asym (packed)", { bits: 4, symmetric: false, granularity: "group", groupSize: 128 }],
    ["int4 group32 asym (packed)", { bits: 4, symmetric: false, granularity: "group", groupSize: 32 }],
  ];
  for (const [name, o] of cases) {
    const q = quantizeTensor(x, shape, o);
    const qs = timeMedian(() => quantizeTensor(x, shape, o, { into: q }), reps);
    rows.push({ bench: "quantize", case: `quantize ${name}, into existing buffers`, value: gb / qs, unit: "GB/s", baseline_ratio: gb / qs / copy });
    const ds = timeMedian(() => dequantize(q, dst), reps);
    rows.push({ bench: "quantize", case: `dequantize ${name}, into existing array`, value: gb / ds, unit: "GB/s", baseline_ratio: gb / ds / copy });
    const fs = timeMedian(() => void quantizeTensor(x, shape, o), reps);
    rows.push({ bench: "quantize", case: `quantize ${name}, new buffers`, value: gb / fs, unit: "GB/s", baseline_ratio: gb / fs / copyFresh });
  }
  // The scalar JS reference path on two cases, to show what the SIMD kernels buy.
  for (const [name, o] of [cases[1]!, cases[4]!]) {
    const q = quantizeTensor(x, shape, o, { impl: "js" });
    const js = timeMedian(() => quantizeTensor(x, shape, o, { impl: "js", into: q }), Math.min(reps, 3));
    rows.push({ bench: "quantize", case: `quantize ${name}, scalar JS path, into existing buffers`, value: gb / js, unit: "GB/s", baseline_ratio: gb / js / copy });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}` || fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = await benchQuantize({ n: Number(process.argv[2] ?? 4096) });
  console.table(rows.map((r) => ({ ...r, value: +r.value.toFixed(3), baseline_ratio: r.baseline_ratio === null ? null : +r.baseline_ratio.toFixed(3) })));
}
