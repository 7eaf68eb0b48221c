/**
 * Quantize / dequantize throughput on a 4096×4096 float32 matrix (64 MiB), in GB/s of float32
 * (quantize: float32 read; dequantize: float32 written), against a plain copy of the same matrix: the
 * memory-bandwidth bound. Each case is timed in alternation with its copy (`timePaired`), and
 * `baseline_ratio` is the median of the per-pair throughput ratios; target ≥ 0.5.
 *
 * Three inputs:
 * - a float32 tf.Tensor on the wasm backend, read where it lies in the backend's memory, against a
 *   copy into an existing array (memcpy);
 * - a Float32Array, streamed through the kernels' memory, against the same memcpy;
 * - a Float32Array quantized into new buffers, against `x.slice()` (a copy into a new array, as a
 *   tensor clone does): fresh pages cost a page fault each on first write, on both sides.
 * Quantizing into existing buffers reuses a previous result's arrays (`{ into }`); dequantizing writes
 * into a given array.
 */
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import { quantizeTensor, dequantize, type QuantizeOptions } from "../src/quantize/int.js";
import { tfjsHeap } from "../src/wasm/tfjs-heap.js";
import { timePaired } from "./timing.js";
import type { BenchRow } from "./types.js";

export interface QuantizeBenchOptions {
  /** Matrix side (default 4096). */
  readonly n?: number;
  /** Timed pairs per case (default 9). */
  readonly reps?: number;
}

export async function benchQuantize(opts: QuantizeBenchOptions = {}): Promise<BenchRow[]> {
  const n = opts.n ?? 4096;
  const reps = opts.reps ?? 9;
  const shape = [n, n];
  const x = new Float32Array(n * n);
  let s = 1;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = (s / 2 ** 32 - 0.5) * 4;
  }
  const gb = x.byteLength / 1e9;
  const dst = new Float32Array(x.length);
  const memcpy = () => dst.set(x);
  const slice = () => void x.slice();
  const rows: BenchRow[] = [];
  const row = (what: string, p: { seconds: number; ratio: number }) =>
    rows.push({ bench: "quantize", case: what, value: gb / p.seconds, unit: "GB/s", baseline_ratio: p.ratio });
  const base = (what: string, p: { baselineSeconds: number }) =>
    rows.push({ bench: "quantize", case: what, value: gb / p.baselineSeconds, unit: "GB/s", baseline_ratio: 1 });

  const cases: [string, QuantizeOptions][] = [
    ["int8 per-tensor sym", { bits: 8, symmetric: true, granularity: "tensor" }],
    ["int8 per-channel sym", { bits: 8, symmetric: true, granularity: "channel" }],
    ["int8 per-token sym", { bits: 8, symmetric: true, granularity: "token" }],
    ["int8 group128 sym", { bits: 8, symmetric: true, granularity: "group", groupSize: 128 }],
    ["int4 group128 asym (packed)", { bits: 4, symmetric: false, granularity: "group", groupSize: 128 }],
    ["int4 group32 asym (packed)", { bits: 4, symmetric: false, granularity: "group", groupSize: 32 }],
  ];

  const previous = tf.getBackend();
  const onWasm = await tf.setBackend("wasm").catch(() => false);
  const xt = onWasm && tfjsHeap() ? tf.tensor2d(x, [n, n]) : null;
  if (xt) {
    base(`copy ${n}x${n} f32 into existing array (memcpy baseline)`, timePaired(memcpy, memcpy, reps));
    for (const [name, o] of cases) {
      const q = quantizeTensor(xt, o);
      row(`quantize ${name}, tf.Tensor on wasm (in place), into existing buffers`, timePaired(() => quantizeTensor(xt, o, { into: q }), memcpy, reps));
    }
    xt.dispose();
  } else rows.push({ bench: "quantize", case: "tf.Tensor cases skipped: tfjs wasm heap unavailable", value: NaN, unit: "", baseline_ratio: null });
  if (previous && previous !== tf.getBackend()) await tf.setBackend(previous);

  base(`copy ${n}x${n} f32 into new array (slice baseline)`, timePaired(slice, slice, Math.min(reps, 5)));
  for (const [name, o] of cases) {
    const q = quantizeTensor(x, shape, o);
    row(`quantize ${name}, Float32Array, into existing buffers`, timePaired(() => quantizeTensor(x, shape, o, { into: q }), memcpy, reps));
    row(`dequantize ${name}, into existing array`, timePaired(() => dequantize(q, dst), memcpy, reps));
    row(`quantize ${name}, Float32Array, new buffers`, timePaired(() => void quantizeTensor(x, shape, o), slice, Math.min(reps, 5)));
  }
  // The scalar JS reference path on two cases, to show what the SIMD kernels buy.
  for (const [name, o] of [cases[1]!, cases[4]!]) {
    const q = quantizeTensor(x, shape, o, { impl: "js" });
    row(`quantize ${name}, scalar JS path, into existing buffers`, timePaired(() => quantizeTensor(x, shape, o, { impl: "js", into: q }), memcpy, 3));
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}` || fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = await benchQuantize({ n: Number(process.argv[2] ?? 4096) });
  console.table(rows.map((r) => ({ ...r, value: +r.value.toFixed(3), baseline_ratio: r.baseline_ratio === null ? null : +r.baseline_ratio.toFixed(3) })));
}
