import * as tf from "@tensorflow/tfjs-core";
import { tfjsHeap } from "../wasm/tfjs-heap.js";
import { kernelLoader, I32, V128, add, doWhile, f32splat, fadd, fmul, get, i32c, ltu, mul32, set, sub, vconst, vload, vstore, type Fn } from "../wasm/assembler.js";

/**
 * Batched matmul `c[i] = a[i] · b[i]` as a WebAssembly SIMD kernel. The tfjs wasm backend sends
 * 2-D matmuls to XNNPACK but runs batched ones through a generic loop at ~3 GFLOP/s; attention's
 * `[B·H, T, hd]` products made that ~40% of a `tiny` training step. This kernel keeps a 4 × 8 block
 * of `c` in eight registers while it walks `k`, which runs those shapes several times faster. On the
 * wasm backend it works in the backend's heap (operands read in place, the result written into a new
 * tensor's memory); elsewhere it copies operands into its own memory and the result out.
 *
 * Each output element is summed in order of `k`, in float32 (no fused multiply-add), so results
 * are deterministic; they differ from XNNPACK's blocked sums only by rounding.
 */

const ROWS = 4;
const COLS = 8;

// bmm(a, b, c, batch, m, k, n): byte pointers a, b, c; m % 4 == 0, n % 8 == 0, k ≥ 1.
function bmm(): Fn {
  const [a, b, c, batch, m, k, n] = [0, 1, 2, 3, 4, 5, 6];
  const [i, j, kk, pa, pb, pc, k4, n4, k4x2, k4x3] = [7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
  const acc = (r: number) => 17 + r; // 8 accumulators
  const [b0, b1, s] = [25, 26, 27];
  const f32load = [0x2a, 2, 0];
  const zero = vconst(new Array(16).fill(0));
  const rowAddr = (base: number, r: number, stride: number, stride2: number, stride3: number) =>
    r === 0 ? get(base) : [...get(base), ...get(r === 1 ? stride : r === 2 ? stride2 : stride3), ...add];
  const mac = (r: number) => [
    ...rowAddr(pa, r, k4, k4x2, k4x3), ...f32load, ...f32splat, ...set(s),
    ...get(acc(2 * r)), ...get(s), ...get(b0), ...fmul, ...fadd, ...set(acc(2 * r)),
    ...get(acc(2 * r + 1)), ...get(s), ...get(b1), ...fmul, ...fadd, ...set(acc(2 * r + 1)),
  ];
  const store = (r: number) => [
    ...get(pc), ...(r ? [...get(n4), ...i32c(r), ...mul32, ...add] : []), ...get(acc(2 * r)), ...vstore(0),
    ...get(pc), ...(r ? [...get(n4), ...i32c(r), ...mul32, ...add] : []), ...get(acc(2 * r + 1)), ...vstore(16),
  ];
  const body = [
    ...get(k), ...i32c(4), ...mul32, ...set(k4),
    ...get(k4), ...i32c(2), ...mul32, ...set(k4x2),
    ...get(k4), ...i32c(3), ...mul32, ...set(k4x3),
    ...get(n), ...i32c(4), ...mul32, ...set(n4),
    ...doWhile([
      ...i32c(0), ...set(i),
      ...doWhile([
        ...i32c(0), ...set(j),
        ...doWhile([
          ...Array.from({ length: 2 * ROWS }, (_, r) => [...zero, ...set(acc(r))]).flat(),
          ...get(a), ...get(i), ...get(k4), ...mul32, ...add, ...set(pa),
          ...get(b), ...get(j), ...add, ...set(pb),
          ...get(k), ...set(kk),
          ...doWhile([
            ...get(pb), ...vload(0), ...set(b0),
            ...get(pb), ...vload(16), ...set(b1),
            ...mac(0), ...mac(1), ...mac(2), ...mac(3),
            ...get(pa), ...i32c(4), ...add, ...set(pa),
            ...get(pb), ...get(n4), ...add, ...set(pb),
            ...get(kk), ...i32c(1), ...sub, ...set(kk),
          ], get(kk)),
          ...get(c), ...get(i), ...get(n4), ...mul32, ...add, ...get(j), ...add, ...set(pc),
          ...store(0), ...store(1), ...store(2), ...store(3),
          ...get(j), ...i32c(COLS * 4), ...add, ...set(j),
        ], [...get(j), ...get(n4), ...ltu]),
        ...get(i), ...i32c(ROWS), ...add, ...set(i),
      ], [...get(i), ...get(m), ...ltu]),
      ...get(a), ...get(m), ...get(k4), ...mul32, ...add, ...set(a),
      ...get(b), ...get(k), ...get(n4), ...mul32, ...add, ...set(b),
      ...get(c), ...get(m), ...get(n4), ...mul32, ...add, ...set(c),
      ...get(batch), ...i32c(1), ...sub, ...set(batch),
    ], get(batch)),
  ];
  return { name: "bmm", params: [I32, I32, I32, I32, I32, I32, I32], results: [], locals: [...new Array(10).fill(I32), ...new Array(11).fill(V128)], body };
}

interface Kernel {
  readonly memory: WebAssembly.Memory;
  bmm(a: number, b: number, c: number, batch: number, m: number, k: number, n: number): void;
}

const load = kernelLoader<Kernel>(() => [bmm()]);

/** Whether {@link batchMatMulWasm} handles `a · b` (float32, batched, block-aligned shapes). */
export function canBatchMatMulWasm(a: tf.Tensor | tf.TensorInfo, b: tf.Tensor | tf.TensorInfo): boolean {
  if (a.shape.length !== 3 || b.shape.length !== 3 || a.dtype !== "float32" || b.dtype !== "float32") return false;
  const [batch, m, k] = a.shape as [number, number, number];
  const [batchB, kB, n] = b.shape as [number, number, number];
  return batch === batchB && k === kB && batch > 1 && m % ROWS === 0 && n % COLS === 0 && k > 0 && load() !== null;
}

/**
 * `a · b` where both operands lie in the tfjs wasm heap, written into a new output record: the form a
 * kernel registered for the wasm backend returns. Null when the shapes are not handled or an operand is
 * not in the heap, so that the caller can use another kernel.
 */
export function batchMatMulInHeap(a: tf.Tensor | tf.TensorInfo, b: tf.Tensor | tf.TensorInfo): tf.TensorInfo | null {
  const heap = tfjsHeap();
  if (!heap || !canBatchMatMulWasm(a, b)) return null;
  const pa = heap.offsetOf(a), pb = heap.offsetOf(b);
  const kern = pa !== null && pb !== null ? load(heap.memory) : null;
  if (!kern) return null;
  const [batch, m, k] = a.shape as [number, number, number];
  const n = b.shape[2]!;
  const c = heap.newOutput([batch, m, n]);
  kern.bmm(pa!, pb!, c.ptr, batch, m, k, n);
  return c.info;
}

/** `a · b` for `a: [batch, m, k]`, `b: [batch, k, n]` (check {@link canBatchMatMulWasm} first). */
export function batchMatMulWasm(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  if (!canBatchMatMulWasm(a, b)) throw new Error(`batchMatMulWasm: unsupported shapes [${a.shape}] · [${b.shape}]`);
  // In place on the tfjs wasm heap when the operands live there: no copies in or out.
  const inHeap = batchMatMulInHeap(a, b);
  if (inHeap) return tf.engine().makeTensorFromTensorInfo(inHeap) as tf.Tensor3D;
  const [batch, m, k] = a.shape;
  const n = b.shape[2];
  const kern = load()!;
  const aBytes = a.size * 4, bBytes = b.size * 4, cBytes = batch * m * n * 4;
  const need = aBytes + bBytes + cBytes;
  const have = kern.memory.buffer.byteLength;
  if (need > have) kern.memory.grow(Math.ceil((need - have) / 65536));
  const mem = kern.memory.buffer;
  new Float32Array(mem, 0, a.size).set(a.dataSync() as Float32Array);
  new Float32Array(mem, aBytes, b.size).set(b.dataSync() as Float32Array);
  kern.bmm(0, aBytes, aBytes + bBytes, batch, m, k, n);
  // tf.tensor copies the values into the backend at once, so a view of our memory is safe here.
  return tf.tensor3d(new Float32Array(mem, aBytes + bBytes, batch * m * n), [batch, m, n]);
}
