/**
 * FP8 emulation (arXiv 2209.05433; NVIDIA `__nv_fp8_e4m3` / `__nv_fp8_e5m2` with `__NV_SATFINITE`).
 *
 * | format | bits (s.e.m) | bias | max normal | min normal | min subnormal | inf/NaN |
 * |---|---|---|---|---|---|---|
 * | E4M3 ("FN") | 1.4.3 | 7 | 448 = 1.75·2^8 (S.1111.110) | 2^-6 | 2^-9 | no inf; NaN = S.1111.111 |
 * | E5M2 | 1.5.2 | 15 | 57344 = 1.75·2^15 (S.11110.11) | 2^-14 | 2^-16 | ±inf = S.11111.00, NaN above |
 *
 * Casting rounds to nearest, ties to even, and **saturates** finite values beyond ±max (and ±∞) to
 * ±max — the standard choice for post-training quantization. NaN stays NaN.
 */
import * as tf from "@tensorflow/tfjs-core";
import { finiteOnly } from "./fake.js";
import { ROUND_MAGIC_F64, roundHalfEvenTensor } from "./rounding.js";

export type Fp8Format = "e4m3" | "e5m2";

/** Parameters of a small float format: the two FP8 formats below, and FP4 E2M1 (`schemes/fp4.ts`). */
export interface Fp8Spec {
  readonly expBits: number;
  readonly manBits: number;
  readonly bias: number;
  /** Largest finite magnitude. */
  readonly max: number;
  /** Smallest normal magnitude `2^(1 − bias)`. */
  readonly minNormal: number;
  /** Smallest subnormal magnitude `2^(1 − bias − manBits)`, also the subnormal grid step. */
  readonly minSubnormal: number;
}

export const FP8: Readonly<Record<Fp8Format, Fp8Spec>> = {
  e4m3: { expBits: 4, manBits: 3, bias: 7, max: 448, minNormal: 2 ** -6, minSubnormal: 2 ** -9 },
  e5m2: { expBits: 5, manBits: 2, bias: 15, max: 57344, minNormal: 2 ** -14, minSubnormal: 2 ** -16 },
};

/** The spec of an FP8 format; an unknown name is an error listing the formats. */
export function fp8Spec(format: Fp8Format): Fp8Spec {
  const f = Object.hasOwn(FP8, format) ? FP8[format] : undefined;
  if (!f) throw new Error(`unknown FP8 format '${String(format)}': use one of ${Object.keys(FP8).map((k) => `'${k}'`).join(", ")}`);
  return f;
}

/** Exact binary exponent `floor(log2 a)` of a positive finite number (log2 corrected by one step either way). */
function exponentOf(a: number): number {
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return e;
}

/** Nearest FP8 value of `x` (RNE, saturating, subnormals), as a number. */
export function fp8Round(x: number, format: Fp8Format): number {
  const f = fp8Spec(format);
  if (Number.isNaN(x)) return NaN;
  const a = Math.min(Math.abs(x), f.max);
  if (a === 0) return x; // keeps the sign of −0
  // Grid step at a: 2^(e − m) for normals, the fixed subnormal step below minNormal.
  const e = Math.max(exponentOf(a), 1 - f.bias);
  const step = 2 ** (e - f.manBits);
  const q = (a / step + ROUND_MAGIC_F64 - ROUND_MAGIC_F64) * step; // a/step is exact (power-of-two scaling)
  return x < 0 ? -q : q;
}

/** Element-wise {@link fp8Round} of a typed array (into `out`, which may alias `x`). */
export function toFp8(x: Float32Array, format: Fp8Format, out: Float32Array = new Float32Array(x.length)): Float32Array {
  for (let i = 0; i < x.length; i++) out[i] = fp8Round(x[i]!, format);
  return out;
}

/**
 * The FP8 bit pattern (0–255) of `x` after rounding. Saturates to ±max; NaN encodes as S.1111.111
 * (E4M3) or 0.11111.11 (E5M2).
 */
export function encodeFp8(x: number, format: Fp8Format): number {
  const f = fp8Spec(format);
  if (Number.isNaN(x)) return 0x7f; // E4M3 S.1111.111; E5M2 0.11111.11
  const v = fp8Round(x, format);
  const sign = v < 0 || Object.is(v, -0) ? 0x80 : 0;
  const a = Math.abs(v);
  if (a === 0) return sign;
  if (a < f.minNormal) return sign | (a / f.minSubnormal); // exponent field 0
  const e = exponentOf(a);
  const man = a / 2 ** e - 1; // in [0, 1)
  return sign | ((e + f.bias) << f.manBits) | Math.round(man * 2 ** f.manBits);
}

/** The value of an FP8 bit pattern (0–255). E4M3: S.1111.111 is NaN; E5M2: exponent 31 is ±inf (mantissa 0) or NaN. */
export function decodeFp8(byte: number, format: Fp8Format): number {
  const f = fp8Spec(format);
  const sign = byte & 0x80 ? -1 : 1;
  const exp = (byte >> f.manBits) & ((1 << f.expBits) - 1);
  const man = byte & ((1 << f.manBits) - 1);
  const expMax = (1 << f.expBits) - 1;
  if (format === "e4m3" && exp === expMax && man === (1 << f.manBits) - 1) return NaN;
  if (format === "e5m2" && exp === expMax) return man === 0 ? sign * Infinity : NaN;
  if (exp === 0) return sign * man * f.minSubnormal;
  return sign * (1 + man / 2 ** f.manBits) * 2 ** (exp - f.bias);
}

/**
 * Element-wise FP8 cast of a float32 tensor, agreeing exactly with {@link toFp8}.
 */
export function toFp8Tensor<T extends tf.Tensor>(x: T, format: Fp8Format): T {
  return toMinifloatTensor(x, fp8Spec(format));
}

/**
 * Element-wise cast of a float32 tensor to a small float format with `f.manBits` ≤ 22 mantissa bits
 * (FP8 here, FP4 E2M1 in `schemes/fp4.ts`): round to nearest, ties to even, saturating at ±`f.max`.
 *
 * Normals: Veltkamp splitting `c = y·(2^k + 1); y' = c − (c − y)` with `k = 23 − m` rounds float32 `y`
 * to `m + 1` significant bits, ties to even, using only IEEE float32 multiply/subtract (no exponent
 * extraction, so no inexact `log2`). Subnormals: `rne(y / minSubnormal) · minSubnormal`, exact
 * power-of-two scaling. Values are clamped to ±max first, so the splitting cannot overflow and
 * saturation is built in.
 */
export function toMinifloatTensor<T extends tf.Tensor>(x: T, f: Fp8Spec): T {
  return tf.tidy(() => {
    const y = tf.clipByValue(x, -f.max, f.max);
    const c = tf.mul(y, 2 ** (23 - f.manBits) + 1);
    const normal = tf.sub(c, tf.sub(c, y));
    // Clamp into the subnormal range first so the rounding trick stays exact (other lanes are discarded).
    const ySub = tf.clipByValue(y, -f.minNormal, f.minNormal);
    const sub = tf.mul(roundHalfEvenTensor(tf.mul(ySub, 1 / f.minSubnormal)), f.minSubnormal);
    const q = tf.where(tf.less(tf.abs(y), f.minNormal), sub, normal);
    // As a hardware cast: NaN stays NaN (clipByValue returns the lower bound for NaN on wasm), and a
    // value that rounds to zero keeps its sign (−0).
    return tf.where(tf.isNaN(x), x, tf.where(tf.equal(q, 0), tf.mul(x, 0), q)) as T;
  });
}

/** Per-tensor FP8 fake cast: `s = max|x| / FP8max` (`0 → 1`), `x̂ = fp8(x / s) · s`. */
export function fakeFp8(x: tf.Tensor2D, format: Fp8Format): tf.Tensor2D {
  return tf.tidy(() => {
    // The scale comes from finite values only (the non-finite rule in int.ts); ±Inf then saturates.
    const amax = tf.max(tf.abs(finiteOnly(x)));
    let s = tf.div(amax, fp8Spec(format).max);
    s = tf.where(tf.equal(s, 0), tf.onesLike(s), s);
    return tf.mul(toFp8Tensor(tf.div(x, s), format), s) as tf.Tensor2D;
  });
}
