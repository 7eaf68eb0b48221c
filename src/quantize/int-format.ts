/**
 * The integer storage format shared by the scalar quantizer (`int.ts`), its SIMD kernels (`simd.ts`) and
 * the tfjs fake-quant path (`fake.ts`): which elements share a scale, how to quantize, and what a
 * quantized tensor holds. Kept apart from `int.ts` so the SIMD path can name these types without
 * importing the module that calls it.
 */

/**
 * Which elements share a scale, for a 2-D `[rows, cols]` tensor. Weights here are `[in, out]`
 * (see `src/model/linear.ts`), activations `[tokens, in]`:
 * - `"tensor"`: one scale for everything;
 * - `"channel"`: one per **column** = per output channel of an `[in, out]` weight (PyTorch's per-row of `[out, in]`);
 * - `"token"`: one per **row** = per token of a `[tokens, in]` activation;
 * - `"group"`: one per `groupSize` consecutive rows within each column = group-wise along the input
 *   dimension of a weight; scales are laid out `[ceil(rows / g), cols]` row-major. A last partial group is allowed.
 */
export type Granularity = "tensor" | "channel" | "token" | "group";

/** Every {@link Granularity}, for checking options. */
export const GRANULARITIES: readonly Granularity[] = ["tensor", "channel", "token", "group"];

/**
 * Checks quantizer options and a shape, naming the bad one and listing valid values (`bits` is
 * checked by `codeRange`).
 */
export function checkQuantizeOptions(shape: readonly number[], o: QuantizeOptions): void {
  if (typeof o !== "object" || o === null) throw new Error(`quantize options must be an object { bits, symmetric, granularity }, got ${String(o)}`);
  if (!GRANULARITIES.includes(o.granularity)) throw new Error(`quantize option granularity must be one of ${GRANULARITIES.map((g) => `'${g}'`).join(", ")}, got '${String(o.granularity)}'`);
  if (typeof o.symmetric !== "boolean") throw new Error(`quantize option symmetric must be true or false, got ${String(o.symmetric)}`);
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new Error(`shape must be an array of non-negative integers, got [${Array.isArray(shape) ? shape.join(", ") : String(shape)}]`);
}

/** How to quantize. */
export interface QuantizeOptions {
  /** Code width, 2–8. Codes of 2–4 bits are packed two per byte. */
  readonly bits: number;
  /** Absmax (true) or zero-point (false). */
  readonly symmetric: boolean;
  readonly granularity: Granularity;
  /** Rows per group for `"group"` (e.g. 32, 64, 128). */
  readonly groupSize?: number;
}

/** A quantized tensor with real integer storage. */
export interface QuantizedTensor {
  readonly shape: readonly number[];
  readonly bits: number;
  readonly symmetric: boolean;
  readonly granularity: Granularity;
  readonly groupSize?: number;
  /** True when codes are packed two per byte (bits ≤ 4): element `2k` in the low nibble of byte `k`, `2k+1` in the high nibble. */
  readonly packed: boolean;
  /**
   * The codes, flat in row-major order. Unpacked: `Int8Array` (symmetric) or `Uint8Array` (asymmetric).
   * Packed: `Uint8Array` of nibbles (symmetric nibbles are 4-bit two's complement).
   */
  readonly codes: Int8Array | Uint8Array;
  /** One float32 scale per block (layout per {@link Granularity}). */
  readonly scales: Float32Array;
  /** One zero point per block, asymmetric only (one byte each, not packed). */
  readonly zeroPoints?: Uint8Array;
  /** Exact storage: `codes.byteLength + scales.byteLength + zeroPoints.byteLength`. */
  readonly bytes: number;
}
