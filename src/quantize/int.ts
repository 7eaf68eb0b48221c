/**
 * Real integer quantization of float32 data (typed arrays, or tfjs tensors read in place): codes are stored in `Int8Array`/`Uint8Array`,
 * 2–4-bit codes packed two per byte, and the byte count is exact. Two implementations give identical
 * results: the scalar typed-array loops below (the reference, any shape) and WebAssembly SIMD kernels
 * (`simd.ts`/`wasm.ts`, used automatically when the column count is divisible by 32).
 *
 * ## The quantizer (shared bit for bit with the tfjs fake-quant path in `fake.ts`)
 * Every element belongs to one *block* that shares a scale `s` (and a zero point `z`); the block is
 * the whole tensor, a column, a row, or a group of `g` rows within a column (see {@link Granularity}).
 * All arithmetic is float32 (`fl(·)` = round to float32, which is what each tfjs op does):
 *
 * - symmetric absmax: `m = max|x|`, `s = fl(m / qmax)`, `z = 0`, codes in `[−qmax, qmax]`
 *   with `qmax = 2^(b−1) − 1` (127 for int8);
 * - asymmetric zero-point: `lo = min(min x, 0)`, `hi = max(max x, 0)` (0 is always in range, so
 *   zero is exact and `z ∈ [0, qmax]`, as in GPTQ), `s = fl(fl(hi − lo) / qmax)` with `qmax = 2^b − 1`,
 *   `z = rne(clamp(fl(−lo · r), 0, qmax))`, codes in `[0, qmax]`;
 * - `s = 0` (an all-zero block) is replaced by `s = 1` so codes are 0 and nothing divides by zero;
 * - `r = fl(1 / s)` (a reciprocal, so the hot loop multiplies instead of dividing);
 * - `q = rne(clamp(fl(x · r), −z + qmin', qmax' − z)) + z` where `[qmin', qmax']` is the code range;
 *   clamping before rounding is equivalent to clamping after (the bounds are integers) and keeps the
 *   rounding trick in range;
 * - dequantized value `x̂ = fl((q − z) · s)`.
 *
 * `rne` is round half to even (see `rounding.ts`). For values inside the block's range the error is
 * `|x − x̂| ≤ s/2` up to float32 rounding of `x·r` (a relative 2^-24).
 *
 * ## Non-finite inputs (one rule for every quantizer here, `fake.ts` included)
 * - Block statistics use the block's finite values only: one ±Inf or NaN never sets a scale, so it
 *   cannot turn its whole block into Inf or NaN.
 * - ±Inf saturates to the extreme code of its sign (dequantized: the block's largest magnitude).
 * - NaN has no integer code: {@link quantizeTensor} refuses it with an error giving its index;
 *   fake quantization keeps it NaN (a broken activation stays visibly broken).
 */
import type * as tf from "@tensorflow/tfjs-core";
import { tfjsHeap } from "../wasm/tfjs-heap.js";
import { codeRange, ROUND_MAGIC_F64 } from "./rounding.js";
import { checkQuantizeOptions, type Granularity, type QuantizeOptions, type QuantizedTensor } from "./int-format.js";
import { dequantizeSimd, NonFiniteInput, quantizeSimd, simdApplies } from "./simd.js";

export type { Granularity, QuantizeOptions, QuantizedTensor } from "./int-format.js";

/**
 * Which implementation runs: `"auto"` (default) uses the WebAssembly SIMD kernels where the layout allows
 * (column count divisible by 32) and the scalar JS loop otherwise; `"js"` forces the scalar loop (the
 * reference); `"simd"` requires the SIMD path. Both give identical results.
 */
export type QuantImpl = "auto" | "js" | "simd";

/** How to run {@link quantizeTensor}. */
export interface QuantRun {
  /** Implementation choice (default `"auto"`). */
  readonly impl?: QuantImpl;
  /**
   * A previous result of the same shape and options whose arrays are reused (overwritten), so repeated
   * quantization (benchmarks, calibration sweeps) does not allocate and page-fault fresh buffers.
   */
  readonly into?: QuantizedTensor;
}

interface Layout {
  rows: number;
  cols: number;
  /** Rows per chunk processed together (stats then codes, so the chunk stays in cache). */
  chunkRows: number;
  nBlocks: number;
}

function layout(shape: readonly number[], o: QuantizeOptions): Layout {
  checkQuantizeOptions(shape, o);
  const n = shape.reduce((a, b) => a * b, 1);
  if (o.granularity === "tensor") return { rows: 1, cols: n, chunkRows: 1, nBlocks: 1 };
  if (shape.length !== 2) throw new Error(`granularity '${o.granularity}' needs a 2-D tensor, got shape [${shape.join(", ")}]`);
  const [rows, cols] = shape as [number, number];
  switch (o.granularity) {
    case "channel":
      return { rows, cols, chunkRows: rows, nBlocks: cols };
    case "token":
      return { rows, cols, chunkRows: 1, nBlocks: rows };
    case "group": {
      const g = o.groupSize;
      if (!g || !Number.isInteger(g) || g < 1) throw new Error(`group granularity needs a positive integer groupSize, got ${g}`);
      return { rows, cols, chunkRows: g, nBlocks: Math.ceil(rows / g) * cols };
    }
  }
}

/** Byte count of {@link quantizeTensor}'s output for `shape` and options, without touching data. */
export function quantizedBytes(shape: readonly number[], o: QuantizeOptions): number {
  const n = shape.reduce((a, b) => a * b, 1);
  codeRange(o.bits, o.symmetric);
  const L = layout(shape, o);
  const codeBytes = o.bits <= 4 ? Math.ceil(n / 2) : n;
  return codeBytes + 4 * L.nBlocks + (o.symmetric ? 0 : L.nBlocks);
}

/**
 * Quantizes a float32 tfjs tensor, or row-major float32 `values` of `shape`, to integer codes (see the
 * module comment for the exact formulas). One read of the data per granularity chunk: `"token"` and
 * `"group"` compute a chunk's statistics and codes while it is in cache; `"tensor"` and `"channel"` need
 * two passes (statistics over everything, then codes).
 *
 * A tensor on the wasm backend is read where it lies in the backend's memory (no `dataSync` copy, and
 * no copy into the kernels' memory), which made quantizing a 4096×4096 tensor 1.2–2× faster than its
 * `dataSync()` values in `npm run bench`; other backends' tensors are read with `dataSync()`. Results
 * are the same either way.
 *
 * @example
 * const q = quantizeTensor(weight, { bits: 8, symmetric: true, granularity: "channel" });
 * const same = quantizeTensor(weight.dataSync() as Float32Array, weight.shape, { bits: 8, symmetric: true, granularity: "channel" });
 */
export function quantizeTensor(x: tf.Tensor, o: QuantizeOptions, run?: QuantRun): QuantizedTensor;
export function quantizeTensor(values: Float32Array, shape: readonly number[], o: QuantizeOptions, run?: QuantRun): QuantizedTensor;
export function quantizeTensor(a: Float32Array | tf.Tensor, b: readonly number[] | QuantizeOptions, c?: QuantizeOptions | QuantRun, d?: QuantRun): QuantizedTensor {
  if (a instanceof Float32Array) {
    if (!Array.isArray(b)) throw new Error("quantizeTensor(values, shape, options): shape must be an array of dimensions");
    return quantizeValues(a, b, c as QuantizeOptions, d);
  }
  if (!isTensor(a)) throw new Error(`quantizeTensor needs a Float32Array or a float32 tf.Tensor, got ${Object.prototype.toString.call(a)}`);
  return quantizeTf(a, b as QuantizeOptions, c as QuantRun | undefined);
}

function isTensor(x: unknown): x is tf.Tensor {
  return typeof x === "object" && x !== null && "dataId" in x && "shape" in x && typeof (x as tf.Tensor).dataSync === "function";
}

function quantizeTf(x: tf.Tensor, o: QuantizeOptions, run: QuantRun = {}): QuantizedTensor {
  if (x.dtype !== "float32") throw new Error(`quantizeTensor needs a float32 tensor, got ${x.dtype}`);
  if (x.isDisposed) throw new Error("quantizeTensor: the tensor is disposed");
  const shape = x.shape;
  const heap = run.impl !== "js" && simdApplies(shape, o) ? tfjsHeap() : null;
  const ptr = heap?.offsetOf(x);
  if (!heap || ptr == null) return quantizeValues(x.dataSync() as Float32Array, shape, o, run);
  codeRange(o.bits, o.symmetric);
  const L = layout(shape, o);
  const into = reusable(run.into, shape, o);
  return simdOrNull(() => quantizeSimd({ ...heap, ptr }, shape, o, L.nBlocks, into)) ?? quantizeValues(x.dataSync() as Float32Array, shape, o, { into, impl: "js" });
}

function quantizeValues(values: Float32Array, shape: readonly number[], o: QuantizeOptions, run: QuantRun = {}): QuantizedTensor {
  const impl = run.impl ?? "auto";
  const n = shape.reduce((a, b) => a * b, 1);
  if (values.length !== n) throw new Error(`values has ${values.length} elements, shape [${shape.join(", ")}] needs ${n}`);
  const { qmin, qmax } = codeRange(o.bits, o.symmetric);
  const L = layout(shape, o);
  const into = reusable(run.into, shape, o);
  if (impl !== "js" && simdApplies(shape, o)) {
    const q = simdOrNull(() => quantizeSimd(values, shape, o, L.nBlocks, into));
    if (q) return q;
  }
  if (impl === "simd") throw new Error(`the SIMD path does not apply to shape [${shape.join(", ")}] with ${o.granularity} granularity`);
  const { rows, cols, chunkRows, nBlocks } = L;
  const perCol = o.granularity === "channel" || o.granularity === "group";
  const scales = into?.scales ?? new Float32Array(nBlocks);
  const zeroPoints = o.symmetric ? undefined : (into?.zeroPoints ?? new Uint8Array(nBlocks));
  const packed = o.bits <= 4;
  // Unpacked codes go straight to the result; packed ones through an Int8 scratch, packed at the end.
  const out: Int8Array | Uint8Array = into && !packed ? into.codes : o.symmetric || packed ? new Int8Array(n) : new Uint8Array(n);
  // Per-block parameters as float64 holding float32 values: reciprocal, clamp bounds, zero point.
  const width = perCol ? cols : 1;
  const recip = new Float64Array(width);
  const lo = new Float64Array(width);
  const hi = new Float64Array(width);
  const zp = new Float64Array(width);
  const mx = new Float64Array(width);
  const mn = new Float64Array(width);
  const fround = Math.fround;
  const M = ROUND_MAGIC_F64;

  for (let r0 = 0, chunk = 0; r0 < rows; r0 += chunkRows, chunk++) {
    const r1 = Math.min(rows, r0 + chunkRows);
    const start = r0 * cols;
    const end = r1 * cols;
    // --- statistics of this chunk's blocks
    // Finite values only (`a < Infinity` is false for ±Inf and NaN); NaN is refused below.
    if (perCol) {
      mx.fill(0);
      mn.fill(0);
      if (o.symmetric) {
        for (let i = start; i < end; i += cols)
          for (let c = 0; c < cols; c++) {
            const a = Math.abs(values[i + c]!);
            if (a > mx[c]! && a < Infinity) mx[c] = a;
          }
      } else {
        for (let i = start; i < end; i += cols)
          for (let c = 0; c < cols; c++) {
            const v = values[i + c]!;
            if (Math.abs(v) < Infinity) {
              if (v > mx[c]!) mx[c] = v;
              if (v < mn[c]!) mn[c] = v;
            }
          }
      }
    } else {
      let a0 = 0, b0 = 0;
      if (o.symmetric) {
        for (let i = start; i < end; i++) {
          const a = Math.abs(values[i]!);
          if (a > a0 && a < Infinity) a0 = a;
        }
      } else {
        for (let i = start; i < end; i++) {
          const v = values[i]!;
          if (Math.abs(v) < Infinity) {
            if (v > a0) a0 = v;
            if (v < b0) b0 = v;
          }
        }
      }
      mx[0] = a0;
      mn[0] = b0;
    }
    // --- scales, reciprocals, zero points
    const blockBase = perCol ? chunk * cols : chunk;
    for (let c = 0; c < width; c++) {
      let s = o.symmetric ? fround(mx[c]! / qmax) : fround(fround(mx[c]! - mn[c]!) / qmax);
      if (s === 0) s = 1;
      const rc = fround(1 / s);
      const z = o.symmetric ? 0 : Math.min(qmax, Math.max(0, fround(-mn[c]! * rc))) + M - M;
      scales[blockBase + c] = s;
      if (zeroPoints) zeroPoints[blockBase + c] = z;
      recip[c] = rc;
      zp[c] = z;
      lo[c] = qmin - z;
      hi[c] = qmax - z;
    }
    for (let i = start; i < end; i++) if (values[i] !== values[i]) throw new Error(`quantizeTensor: element ${i} is NaN, which no integer code represents (±Inf saturates; NaN is refused)`);
    // --- codes
    if (perCol) {
      for (let i = start; i < end; i += cols)
        for (let c = 0; c < cols; c++) {
          let v = fround(values[i + c]! * recip[c]!);
          v = v < lo[c]! ? lo[c]! : v > hi[c]! ? hi[c]! : v;
          out[i + c] = v + M - M + zp[c]!;
        }
    } else {
      const rc = recip[0]!, l = lo[0]!, h = hi[0]!, z = zp[0]!;
      for (let i = start; i < end; i++) {
        let v = fround(values[i]! * rc);
        v = v < l ? l : v > h ? h : v;
        out[i] = v + M - M + z;
      }
    }
  }

  const codes = packed ? packNibbles(out, into?.codes as Uint8Array | undefined) : out;
  const bytes = codes.byteLength + scales.byteLength + (zeroPoints?.byteLength ?? 0);
  return {
    shape: [...shape],
    bits: o.bits,
    symmetric: o.symmetric,
    granularity: o.granularity,
    ...(o.granularity === "group" ? { groupSize: o.groupSize } : {}),
    packed,
    codes,
    scales,
    ...(zeroPoints ? { zeroPoints } : {}),
    bytes,
  };
}

/**
 * Packs 4-bit codes two per byte: `byte[k] = (c[2k] & 0xF) | (c[2k+1] & 0xF) << 4`. Works for signed
 * codes in [−8, 7] (stored as 4-bit two's complement) and unsigned ones in [0, 15]. An odd count
 * leaves the last high nibble 0.
 */
export function packNibbles(codes: ArrayLike<number>, into?: Uint8Array): Uint8Array {
  const n = codes.length;
  const out = into && into.length === (n + 1) >> 1 ? into : new Uint8Array((n + 1) >> 1);
  const even = n & ~1;
  for (let i = 0, k = 0; i < even; i += 2, k++) out[k] = (codes[i]! & 15) | ((codes[i + 1]! & 15) << 4);
  if (n & 1) out[n >> 1] = codes[n - 1]! & 15;
  return out;
}

/** Inverse of {@link packNibbles} for `n` codes; `signed` sign-extends each nibble (`((v << 28) >> 28)`). */
export function unpackNibbles(packed: Uint8Array, n: number, signed: boolean): Int8Array | Uint8Array {
  const out = signed ? new Int8Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = (packed[i >> 1]! >> ((i & 1) << 2)) & 15;
    out[i] = signed ? (v << 28) >> 28 : v;
  }
  return out;
}

/** `q` when it was produced for this shape and options (so its arrays can be reused), else undefined. */
function reusable(q: QuantizedTensor | undefined, shape: readonly number[], o: QuantizeOptions): QuantizedTensor | undefined {
  return q && sameFormat(q, shape, o) ? q : undefined;
}

/** Whether `q` was produced for this shape and options (so its arrays can be reused). */
function sameFormat(q: QuantizedTensor, shape: readonly number[], o: QuantizeOptions): boolean {
  return q.bits === o.bits && q.symmetric === o.symmetric && q.granularity === o.granularity && (o.granularity !== "group" || q.groupSize === o.groupSize) &&
    q.shape.length === shape.length && q.shape.every((d, i) => d === shape[i]);
}

/** The unpacked integer codes of `q`, one per element (copies if packed). */
export function codesOf(q: QuantizedTensor): Int8Array | Uint8Array {
  const n = q.shape.reduce((a, b) => a * b, 1);
  return q.packed ? unpackNibbles(q.codes as Uint8Array, n, q.symmetric) : q.codes;
}

/** Float32 values `x̂ = fl((q − z) · s)` of a quantized tensor, row-major in `q.shape`. */
export function dequantize(q: QuantizedTensor, out?: Float32Array, impl: QuantImpl = "auto"): Float32Array {
  const n = q.shape.reduce((a, b) => a * b, 1);
  const res = out ?? new Float32Array(n);
  if (impl !== "js" && simdApplies(q.shape, q)) return dequantizeSimd(q, res);
  if (impl === "simd") throw new Error(`the SIMD path does not apply to shape [${q.shape.join(", ")}]`);
  const L = layout(q.shape, q);
  const { rows, cols, chunkRows } = L;
  const perCol = q.granularity === "channel" || q.granularity === "group";
  const codes = codesOf(q);
  const zps = q.zeroPoints;
  const sc = q.scales;
  for (let r0 = 0, chunk = 0; r0 < rows; r0 += chunkRows, chunk++) {
    const start = r0 * cols;
    const end = Math.min(rows, r0 + chunkRows) * cols;
    if (perCol) {
      const base = chunk * cols;
      for (let i = start; i < end; i += cols)
        for (let c = 0; c < cols; c++) res[i + c] = (codes[i + c]! - (zps ? zps[base + c]! : 0)) * sc[base + c]!;
    } else {
      const s = sc[chunk]!, z = zps ? zps[chunk]! : 0;
      for (let i = start; i < end; i++) res[i] = (codes[i]! - z) * s;
    }
  }
  return res;
}

/** Quantize then dequantize in one call: the fake-quant values of `values` (typed-array reference for the tfjs path). */
export function fakeQuantArray(values: Float32Array, shape: readonly number[], o: QuantizeOptions, impl: QuantImpl = "auto"): Float32Array {
  return dequantize(quantizeTensor(values, shape, o, { impl }), undefined, impl);
}

/** The SIMD result, or null when the input holds ±Inf or NaN, which only the scalar loop handles by the rule. */
function simdOrNull(quantize: () => QuantizedTensor): QuantizedTensor | null {
  try {
    return quantize();
  } catch (err) {
    if (err instanceof NonFiniteInput) return null;
    throw err;
  }
}
