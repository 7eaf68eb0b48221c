/**
 * The WebAssembly SIMD path of `quantizeTensor` / `dequantize` (kernels in `wasm.ts`). Data is streamed
 * through the module's memory in chunks that stay in cache (copy a chunk in, compute its statistics
 * and/or codes there, copy codes out), so main memory sees about one read of the float32 input per
 * pass: one pass for per-token and group-wise, two (statistics, then codes) for per-tensor and
 * per-channel. Results are identical to the scalar path (same float32 operations, same rounding).
 *
 * A tensor in the tfjs wasm heap skips the copy in: the kernels import that memory and read the
 * tensor in place (`ResidentInput`), which matters most for the two-pass granularities, whose second
 * copy is otherwise the largest single cost.
 *
 * Applies when the layout is SIMD-friendly: 2-D with a column count divisible by 32 (per-tensor:
 * element count divisible by 32); otherwise callers use the scalar loop.
 */
import type { QuantizeOptions, QuantizedTensor } from "./int-format.js";
import { codeRange, ROUND_MAGIC_F64 } from "./rounding.js";
import { quantKernels, quantKernelsIn, type QuantKernels } from "./wasm.js";

/** Bit pattern of float32 1.5·2^23: `bits(v + 1.5·2^23) = MAGIC_BITS + rne(v)` (see wasm.ts). */
const MAGIC_BITS = 0x4b400000;

/** Elements per streamed chunk when quantizing (256 KiB of float32), rounded to whole rows: a chunk stays in L2 between its statistics and its codes. */
const CHUNK = 1 << 16;

/**
 * Elements per chunk when dequantizing (1 MiB of float32 out), rounded to whole rows or groups: copying the
 * floats out in 1 MiB pieces ran at 0.85–0.9 of memcpy against 0.6 for 256 KiB pieces (paired, same run).
 */
const DEQUANT_CHUNK = 1 << 18;

/** Whether the SIMD path handles this shape and granularity. */
export function simdApplies(shape: readonly number[], o: QuantizeOptions): boolean {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n === 0 || !quantKernels()) return false;
  if (o.granularity === "tensor") return n % 32 === 0;
  return shape.length === 2 && shape[1]! % 32 === 0;
}

/**
 * Input already in a kernel memory, at byte offset `ptr` (a tensor in the tfjs wasm heap): the kernels read
 * it in place, and their scratch space comes from that memory's allocator.
 */
export interface ResidentInput {
  readonly memory: WebAssembly.Memory;
  readonly ptr: number;
  malloc(bytes: number): number;
  free(ptr: number): void;
}

/** Scratch offsets for one call: in the kernels' own memory from 0 (grown as needed), or in a block from `heap`. */
function arena(k: QuantKernels, cols: number, chunkElems: number, chunkRows = 1, heap?: ResidentInput) {
  const pb = Math.max(cols, chunkRows, 8) * 4;
  const rel = { r: 0, lo: pb, hi: 2 * pb, z: 3 * pb, mx: 4 * pb, mn: 5 * pb, s: 6 * pb, zf: 7 * pb, x: 8 * pb, c: 8 * pb + chunkElems * 4 };
  const k4 = rel.c + chunkElems;
  const f = k4 + chunkElems; // packed scratch (half) rounded up, then float output
  const total = f + chunkElems * 4;
  let block = 0, base = 0;
  if (heap) {
    block = heap.malloc(total + 16);
    base = (block + 15) & ~15;
  } else {
    const need = Math.ceil(total / 65536) - k.memory.buffer.byteLength / 65536;
    if (need > 0) k.memory.grow(need);
  }
  const buf = k.memory.buffer; // after any growth
  const off = Object.fromEntries(Object.entries(rel).map(([name, o]) => [name, base + o])) as typeof rel;
  return { ...off, k: base + k4, f: base + f, F32: new Float32Array(buf), I32: new Int32Array(buf), U8: new Uint8Array(buf), release: () => heap?.free(block) };
}

/** Scale, reciprocal and zero point of one block from its statistics (exactly as `int.ts`). */
function params(hi: number, lo: number, qmax: number, symmetric: boolean): [s: number, r: number, z: number] {
  const fround = Math.fround;
  let s = symmetric ? fround(hi / qmax) : fround(fround(hi - lo) / qmax);
  if (s === 0) s = 1;
  const r = fround(1 / s);
  const z = symmetric ? 0 : Math.min(qmax, Math.max(0, fround(-lo * r))) + ROUND_MAGIC_F64 - ROUND_MAGIC_F64;
  return [s, r, z];
}

/**
 * SIMD quantization of `input`: a typed array, streamed through the kernels' memory, or data resident
 * in a kernel memory, read in place. The caller checked {@link simdApplies}.
 */
/**
 * The input holds ±Inf or NaN. The kernels do not apply int.ts's non-finite rule (it would cost the
 * hot loops a compare per element); they notice such input in their statistics and the caller falls
 * back to the scalar loop, which does.
 */
export class NonFiniteInput extends Error {
  constructor() {
    super("non-finite input: use the scalar quantizer");
  }
}

export function quantizeSimd(input: Float32Array | ResidentInput, shape: readonly number[], o: QuantizeOptions, nBlocks: number, into?: QuantizedTensor): QuantizedTensor {
  const resident = input instanceof Float32Array ? undefined : input;
  const k = resident ? quantKernelsIn(resident.memory) : quantKernels();
  if (!k) throw new Error("WebAssembly SIMD kernels are unavailable");
  const n = shape.reduce((a, b) => a * b, 1);
  const { qmin, qmax } = codeRange(o.bits, o.symmetric);
  const g = o.granularity;
  // "tensor" is streamed as a flat [n/32, 32]-like array; others as [rows, cols].
  const cols = g === "tensor" ? 32 : shape[1]!;
  const rows = n / cols;
  const chunkRows = g === "group" ? o.groupSize! : Math.max(1, Math.floor(CHUNK / cols));
  const A = arena(k, cols, chunkRows * cols, chunkRows, resident);
  try {
    const scales = into?.scales ?? new Float32Array(nBlocks);
    const zeroPoints = o.symmetric ? undefined : (into?.zeroPoints ?? new Uint8Array(nBlocks));
    const packed = o.bits <= 4;
    const codes: Int8Array | Uint8Array = into?.codes ?? (packed ? new Uint8Array((n + 1) >> 1) : o.symmetric ? new Int8Array(n) : new Uint8Array(n));
    const codesBytes = new Uint8Array(codes.buffer, codes.byteOffset, codes.byteLength);
    const [stats1, stats4] = o.symmetric ? [k.statsColsSym, k.statsColsSym4] : [k.statsColsAsym, k.statsColsAsym4];
    /** Column statistics of `rows` rows at `x` folded into mx/mn: four rows per step, then the rest one by one. */
    const statsCols = (x: number, rows: number) => {
      const quads = rows >> 2;
      if (quads) stats4(x, quads, cols * 4, A.mx, A.mn);
      if (rows & 3) stats1(x + quads * 16 * cols, rows & 3, cols * 4, A.mx, A.mn);
    };
    const statsFlat = o.symmetric ? k.statsFlatSym : k.statsFlatAsym;
    // Symmetric blocks share lo = −qmax, hi = qmax, z = 0: only the reciprocal varies per column.
    const [quant1, quant4] = o.symmetric ? [k.quantColsSR, k.quantColsSR4] : [k.quantColsU, k.quantColsU4];
    /** Codes of `rows` rows at `x` into `out` with the column parameters at r/z: four rows per step, then the rest. */
    const quantCols = (x: number, out: number, rows: number) => {
      const quads = rows >> 2;
      if (quads) quant4(x, out, quads, cols, A.r, A.z, qmax);
      if (rows & 3) quant1(x + quads * 16 * cols, out + quads * 4 * cols, rows & 3, cols, A.r, A.z, qmax);
    };
    const quantFlat = o.symmetric ? k.quantFlatS : k.quantFlatU;

    /** Pointer to rows r0..r1 of the input in kernel memory: in place, or copied into the arena. */
    const load = (r0: number, r1: number): number => {
      if (resident) return resident.ptr + r0 * cols * 4;
      A.F32.set((input as Float32Array).subarray(r0 * cols, r1 * cols), A.x >> 2);
      return A.x;
    };
    const emit = (r0: number, r1: number) => {
      const m = (r1 - r0) * cols;
      if (packed) {
        k.pack(A.c, A.k, m >> 1);
        codesBytes.set(A.U8.subarray(A.k, A.k + (m >> 1)), (r0 * cols) >> 1);
      } else codesBytes.set(A.U8.subarray(A.c, A.c + m), r0 * cols);
    };
    const flatStats = (ptr: number, count: number): [number, number] => {
      statsFlat(ptr, count * 4, A.mx);
      let hi = 0, lo = 0;
      // Math.max/min keep a NaN lane, so a non-finite input still shows in the scale.
      for (let l = 0; l < 4; l++) {
        const a = A.F32[(A.mx >> 2) + l]!, b = A.F32[(A.mx >> 2) + 4 + l]!;
        hi = Math.max(hi, a);
        if (!o.symmetric) lo = Math.min(lo, b);
      }
      return [hi, lo];
    };
    const colParams = o.symmetric ? k.colParamsSym : k.colParamsAsym;
    /** Block parameters of `cols` column blocks from the statistics at mx/mn (in wasm), copied out to scales/zeroPoints. */
    const setColParams = (blockBase: number) => {
      colParams(A.mx, A.mn, cols, qmin, qmax, A.r, A.lo, A.hi, A.z, A.s, A.zf);
      scales.set(A.F32.subarray(A.s >> 2, (A.s >> 2) + cols), blockBase);
      if (zeroPoints) zeroPoints.set(A.F32.subarray(A.zf >> 2, (A.zf >> 2) + cols), blockBase);
    };
    const zeroStats = () => A.F32.fill(0, A.mx >> 2, (A.mx >> 2) + 2 * (A.mn - A.mx) / 4);
    /** Throws {@link NonFiniteInput} when a column statistic saw ±Inf or NaN (the stats kernels propagate NaN). */
    const checkColStats = () => {
      for (const base of o.symmetric ? [A.mx] : [A.mx, A.mn])
        for (let c = 0; c < cols; c++) if (!(Math.abs(A.F32[(base >> 2) + c]!) < Infinity)) throw new NonFiniteInput();
    };

    if (g === "tensor") {
      let hi = 0, lo = 0;
      for (let r0 = 0; r0 < rows; r0 += chunkRows) {
        const r1 = Math.min(rows, r0 + chunkRows);
        const x = load(r0, r1);
        const [h, l] = flatStats(x, (r1 - r0) * cols);
        hi = Math.max(hi, h);
        lo = Math.min(lo, l);
      }
      if (!(Math.abs(hi) < Infinity && Math.abs(lo) < Infinity)) throw new NonFiniteInput();
      const [s, r, z] = params(hi, lo, qmax, o.symmetric);
      scales[0] = s;
      if (zeroPoints) zeroPoints[0] = z;
      for (let r0 = 0; r0 < rows; r0 += chunkRows) {
        const r1 = Math.min(rows, r0 + chunkRows);
        const x = load(r0, r1);
        quantFlat(x, A.c, (r1 - r0) * cols, r, z - MAGIC_BITS, qmax);
        emit(r0, r1);
      }
    } else if (g === "channel") {
      zeroStats();
      for (let r0 = 0; r0 < rows; r0 += chunkRows) {
        const r1 = Math.min(rows, r0 + chunkRows);
        const x = load(r0, r1);
        statsCols(x, r1 - r0);
      }
      checkColStats();
      setColParams(0);
      for (let r0 = 0; r0 < rows; r0 += chunkRows) {
        const r1 = Math.min(rows, r0 + chunkRows);
        const x = load(r0, r1);
        quantCols(x, A.c, r1 - r0);
        emit(r0, r1);
      }
    } else if (g === "group") {
      for (let r0 = 0, gi = 0; r0 < rows; r0 += chunkRows, gi++) {
        const r1 = Math.min(rows, r0 + chunkRows);
        const x = load(r0, r1);
        zeroStats();
        statsCols(x, r1 - r0);
        checkColStats();
        setColParams(gi * cols);
        quantCols(x, A.c, r1 - r0);
        emit(r0, r1);
      }
    } else {
      const quantRows = o.symmetric ? k.quantRowsSym : k.quantRowsAsym;
      for (let r0 = 0; r0 < rows; r0 += chunkRows) {
        const r1 = Math.min(rows, r0 + chunkRows);
        const x = load(r0, r1);
        try {
          quantRows(x, A.c, r1 - r0, cols, qmin, qmax, A.s, A.zf);
        } catch (err) {
          // A NaN statistic makes the kernel's float-to-int conversion trap.
          if (err instanceof WebAssembly.RuntimeError) throw new NonFiniteInput();
          throw err;
        }
        for (let i = 0; i < r1 - r0; i++) if (!(A.F32[(A.s >> 2) + i]! < Infinity)) throw new NonFiniteInput();
        scales.set(A.F32.subarray(A.s >> 2, (A.s >> 2) + (r1 - r0)), r0);
        if (zeroPoints) zeroPoints.set(A.F32.subarray(A.zf >> 2, (A.zf >> 2) + (r1 - r0)), r0);
        emit(r0, r1);
      }
    }
    const bytes = codes.byteLength + scales.byteLength + (zeroPoints?.byteLength ?? 0);
    return {
      shape: [...shape], bits: o.bits, symmetric: o.symmetric, granularity: o.granularity,
      ...(g === "group" ? { groupSize: o.groupSize } : {}),
      packed, codes, scales, ...(zeroPoints ? { zeroPoints } : {}), bytes,
    };
  } finally {
    A.release();
  }
}

/** SIMD dequantization into `res`; the caller checked {@link simdApplies} for `q`'s shape. */
export function dequantizeSimd(q: QuantizedTensor, res: Float32Array): Float32Array {
  const k = quantKernels()!;
  const n = res.length;
  const g = q.granularity;
  const cols = g === "tensor" ? 32 : q.shape[1]!;
  const rows = n / cols;
  const gs = q.groupSize ?? 1;
  const chunkRows = g === "group" ? gs * Math.max(1, Math.floor(DEQUANT_CHUNK / (gs * cols))) : Math.max(1, Math.floor(DEQUANT_CHUNK / cols));
  const A = arena(k, cols, chunkRows * cols);
  const unsigned = !q.symmetric;
  const deqCols = unsigned ? k.deqColsU : k.deqColsSN;
  const deqFlat = unsigned ? k.deqFlatU : k.deqFlatS;
  const src = new Uint8Array(q.codes.buffer, q.codes.byteOffset, q.codes.byteLength);
  const sc = q.scales, zp = q.zeroPoints;
  const F = A.F32;
  // Native typed-array copies (Uint8 zero points convert to float32 in the copy).
  const setCols = (base: number) => {
    F.set(sc.subarray(base, base + cols), A.r >> 2);
    if (zp) F.set(zp.subarray(base, base + cols), A.z >> 2);
    else F.fill(0, A.z >> 2, (A.z >> 2) + cols);
  };
  if (g === "channel") setCols(0);
  for (let r0 = 0; r0 < rows; r0 += chunkRows) {
    const r1 = Math.min(rows, r0 + chunkRows);
    const m = (r1 - r0) * cols;
    if (q.packed) {
      A.U8.set(src.subarray((r0 * cols) >> 1, (r0 * cols + m) >> 1), A.k);
      (q.symmetric ? k.unpackS : k.unpackU)(A.k, A.c, m >> 1);
    } else A.U8.set(src.subarray(r0 * cols, r0 * cols + m), A.c);
    if (g === "tensor") deqFlat(A.c, A.f, m, sc[0]!, zp ? zp[0]! : 0);
    else if (g === "token") for (let r = r0; r < r1; r++) deqFlat(A.c + (r - r0) * cols, A.f + (r - r0) * cols * 4, cols, sc[r]!, zp ? zp[r]! : 0);
    else if (g === "channel") deqCols(A.c, A.f, r1 - r0, cols, A.r, A.z);
    else
      for (let gr = r0; gr < r1; gr += gs) {
        const off = (gr - r0) * cols;
        setCols((gr / gs) * cols);
        deqCols(A.c + off, A.f + off * 4, Math.min(gs, r1 - gr), cols, A.r, A.z);
      }
    res.set(F.subarray(A.f >> 2, (A.f >> 2) + m), r0 * cols);
  }
  return res;
}
