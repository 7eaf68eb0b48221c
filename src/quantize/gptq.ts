/**
 * GPTQ (Frantar et al. 2022), following IST-DASLab/gptq `gptq.py`, for an `[in, out]` weight
 * (their `W` is `[out, in]`, so their column i is our row i):
 *
 * ```
 * H = 2/n · Σ_t x_t x_tᵀ                       (n calibration tokens, from calibrate({ hessian: true }))
 * dead inputs (H_ii = 0): H_ii = 1, W[i, :] = 0
 * H += λ·mean(diag H)·I                          (λ = dampening, 0.01)
 * U = upper Cholesky factor of H⁻¹               (H⁻¹ = UᵀU)
 * for i = 0 … in−1:                              (group-wise: refresh scales from rows i…i+g−1 of the *updated* W when i % g = 0)
 *   q = Q(W[i, :]);  e = (W[i, :] − q) / U_ii
 *   W[k, :] −= e · U_ik   for k > i            (spread the error over the not-yet-quantized inputs)
 * ```
 * The reference batches the update in blocks of 128 rows ("lazy batch"); that is a speed-up only, the
 * result is the same as this unblocked loop. No act-order. The quantizer is this package's (`int.ts`):
 * per-column (per output channel) absmax or zero-point with round-half-to-even, so GPTQ and RTN
 * differ only in the error compensation. Per-channel scales come from the original W, as in the reference.
 * Group scales come from the group's current (error-updated) rows; the reference reads them from a copy
 * lacking the pending updates of its current 128-row block, which is the same when groups start at
 * block starts (g = 128) and slightly different for g < 128.
 * Arithmetic is float64; the returned dequantized weights are float32.
 */
import { codeRange, ROUND_MAGIC_F64 } from "./rounding.js";

export interface GptqOptions {
  readonly bits: number;
  readonly symmetric: boolean;
  readonly granularity: "tensor" | "channel" | "group";
  readonly groupSize?: number;
  /** Fraction of mean(diag H) added to the diagonal (percdamp), default 0.01. */
  readonly dampening?: number;
}

/** In-place lower Cholesky factor of a symmetric positive definite `n×n` matrix (row-major float64). */
function cholesky(a: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= a[j * n + k]! ** 2;
    if (!(d > 0)) throw new Error(`GPTQ: Hessian is not positive definite at ${j} (increase dampening)`);
    const l = Math.sqrt(d);
    a[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let v = a[i * n + j]!;
      for (let k = 0; k < j; k++) v -= a[i * n + k]! * a[j * n + k]!;
      a[i * n + j] = v / l;
    }
    for (let k = j + 1; k < n; k++) a[j * n + k] = 0;
  }
}

/** `H⁻¹` from its lower Cholesky factor L (`H = LLᵀ`): `H⁻¹ = L⁻ᵀ L⁻¹`. */
function inverseFromCholesky(L: Float64Array, n: number): Float64Array {
  // Linv = L⁻¹ (lower triangular) by forward substitution.
  const Li = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    Li[c * n + c] = 1 / L[c * n + c]!;
    for (let i = c + 1; i < n; i++) {
      let v = 0;
      for (let k = c; k < i; k++) v -= L[i * n + k]! * Li[k * n + c]!;
      Li[i * n + c] = v / L[i * n + i]!;
    }
  }
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let v = 0;
      for (let k = i; k < n; k++) v += Li[k * n + i]! * Li[k * n + j]!;
      inv[i * n + j] = v;
      inv[j * n + i] = v;
    }
  return inv;
}

/**
 * GPTQ-quantized weights (dequantized, float32 `[rows=in, cols=out]` row-major) from float weights
 * `w` and the calibration sum `xtx = Σ x xᵀ` over `tokens` rows.
 */
export function gptqQuantize(w: Float32Array, rows: number, cols: number, xtx: Float32Array, tokens: number, o: GptqOptions): Float32Array {
  const n = rows;
  if (xtx.length !== n * n) throw new Error(`GPTQ: Hessian has ${xtx.length} entries, expected ${n}×${n}`);
  const { qmin, qmax } = codeRange(o.bits, o.symmetric);
  const W = Float64Array.from(w);
  const H = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) H[i] = (2 / Math.max(tokens, 1)) * xtx[i]!;
  for (let i = 0; i < n; i++)
    if (H[i * n + i] === 0) {
      H[i * n + i] = 1;
      W.fill(0, i * cols, (i + 1) * cols);
    }
  let mean = 0;
  for (let i = 0; i < n; i++) mean += H[i * n + i]!;
  const damp = (o.dampening ?? 0.01) * (mean / n);
  for (let i = 0; i < n; i++) H[i * n + i] += damp;
  cholesky(H, n);
  const Hinv = inverseFromCholesky(H, n);
  cholesky(Hinv, n); // lower L2 with Hinv = L2 L2ᵀ; U = L2ᵀ so U[i, k] = L2[k, i]
  const U = (i: number, k: number) => Hinv[k * n + i]!;

  const fround = Math.fround;
  const M = ROUND_MAGIC_F64;
  const scale = new Float64Array(cols), recip = new Float64Array(cols), zero = new Float64Array(cols);
  /** Scales from rows [r0, r1) of the current W, per column (or one for the tensor), as in int.ts. */
  const findParams = (r0: number, r1: number) => {
    const hi = new Float64Array(cols), lo = new Float64Array(cols);
    for (let r = r0; r < r1; r++)
      for (let c = 0; c < cols; c++) {
        const v = fround(W[r * cols + c]!);
        if (o.symmetric) hi[c] = Math.max(hi[c]!, Math.abs(v));
        else {
          hi[c] = Math.max(hi[c]!, v);
          lo[c] = Math.min(lo[c]!, v);
        }
      }
    if (o.granularity === "tensor") {
      const h = Math.max(...hi), l = Math.min(...lo);
      hi.fill(h);
      lo.fill(l);
    }
    for (let c = 0; c < cols; c++) {
      let s = o.symmetric ? fround(hi[c]! / qmax) : fround(fround(hi[c]! - lo[c]!) / qmax);
      if (s === 0) s = 1;
      const r = fround(1 / s);
      scale[c] = s;
      recip[c] = r;
      zero[c] = o.symmetric ? 0 : Math.min(qmax, Math.max(0, fround(-lo[c]! * r))) + M - M;
    }
  };
  if (o.granularity !== "group") findParams(0, rows);
  const g = o.groupSize ?? rows;
  const out = new Float32Array(rows * cols);
  const err = new Float64Array(cols);
  for (let i = 0; i < n; i++) {
    if (o.granularity === "group" && i % g === 0) findParams(i, Math.min(rows, i + g));
    const d = U(i, i);
    for (let c = 0; c < cols; c++) {
      const x = W[i * cols + c]!;
      let v = fround(fround(x) * recip[c]!);
      const l = qmin - zero[c]!, h = qmax - zero[c]!;
      v = v < l ? l : v > h ? h : v;
      const q = fround((v + M - M) * scale[c]!);
      out[i * cols + c] = q;
      err[c] = (x - q) / d;
    }
    for (let k = i + 1; k < n; k++) {
      const u = U(i, k);
      if (u === 0) continue;
      const base = k * cols;
      for (let c = 0; c < cols; c++) W[base + c] -= err[c]! * u;
    }
  }
  return out;
}
