/**
 * Rounding used by every quantizer in this package: **round half to even** (banker's rounding,
 * IEEE 754's default `roundTiesToEven`).
 *
 * Why not `Math.round`: it rounds halves *up* (towards +∞: `Math.round(-2.5) === -2`,
 * `Math.round(2.5) === 3`), which biases codes upwards and disagrees with `torch.round`,
 * `numpy.round` and `tf.round` (all half-to-even). Half-away-from-zero (C's `round`) is unbiased in
 * sign but still biased in magnitude. Half-to-even is unbiased and is what the torch reference does,
 * so the typed-array path ({@link roundHalfEven}), the tfjs fake-quant path ({@link roundHalfEvenTensor})
 * and torch agree code for code.
 *
 * Both paths use the same "magic number" trick rather than a library round: adding and subtracting
 * `1.5·2^p` forces the FPU to drop every fractional bit with its own ties-to-even rounding. In float64
 * (JS numbers) `p = 52` and the trick is exact for `|v| < 2^51`; in float32 (tfjs tensors) `p = 23`
 * and it is exact for `|v| < 2^22`. Callers clamp `v` to the integer code range first (clamping to
 * integer bounds commutes with rounding), so the bound always holds. The tensor version therefore does
 * not depend on how a backend implements its `Round` kernel.
 */
import * as tf from "@tensorflow/tfjs-core";

/** `1.5·2^52`: `(v + M) − M` rounds a float64 to an integer, ties to even, for `|v| < 2^51`. */
export const ROUND_MAGIC_F64 = 6755399441055744;
/** `1.5·2^23`: `(v + M) − M` rounds a float32 to an integer, ties to even, for `|v| < 2^22`. */
export const ROUND_MAGIC_F32 = 12582912;

/** Nearest integer to `v`, ties to even (`roundHalfEven(2.5) = 2`, `roundHalfEven(-1.5) = -2`); exact for `|v| < 2^51`. */
export function roundHalfEven(v: number): number {
  return v + ROUND_MAGIC_F64 - ROUND_MAGIC_F64;
}

/**
 * Element-wise round half to even of a float32 tensor: `(x + 1.5·2^23) − 1.5·2^23`.
 * Exact only for `|x| < 2^22`, so clamp to the code range first (quantizers do).
 */
export function roundHalfEvenTensor<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.sub(tf.add(x, ROUND_MAGIC_F32), ROUND_MAGIC_F32) as T);
}

/** Integer code range of a `bits`-bit quantizer. */
export interface CodeRange {
  /** Smallest code. Symmetric: `−(2^(b−1) − 1)` (restricted range, so `−q` is always representable); asymmetric: 0. */
  readonly qmin: number;
  /** Largest code. Symmetric: `2^(b−1) − 1` (127 for 8 bits, 7 for 4); asymmetric: `2^b − 1` (255, 15). */
  readonly qmax: number;
}

/**
 * Code range for `bits` ∈ [2, 8]. Symmetric absmax uses the restricted range `[−(2^(b−1)−1), 2^(b−1)−1]`
 * as LLM.int8()/SmoothQuant do (`X_i8 = round(127·X/‖X‖∞)`); asymmetric zero-point uses `[0, 2^b − 1]`
 * as GPTQ/AWQ do.
 */
export function codeRange(bits: number, symmetric: boolean): CodeRange {
  if (!Number.isInteger(bits) || bits < 2 || bits > 8) throw new Error(`bits must be an integer in [2, 8], got ${bits}`);
  return symmetric ? { qmin: -(2 ** (bits - 1) - 1), qmax: 2 ** (bits - 1) - 1 } : { qmin: 0, qmax: 2 ** bits - 1 };
}
