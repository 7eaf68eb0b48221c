/**
 * Quantization schemes as plain values (discriminated union, JSON-serialisable) so sweeps can list,
 * store and label them. `schemeLinear` (linear.ts) turns one into the model's `LinearImpl`.
 *
 * Conventions (weights `[in, out]`, activations `[tokens, in]`):
 * - "per-channel" weights = one scale per output channel = per column;
 * - "per-token" activations = one scale per row;
 * - group-wise weights = groups of `groupSize` input rows within each column.
 * Defaults: 8-bit codes symmetric absmax (LLM.int8/SmoothQuant); 4-bit weight codes asymmetric with a zero
 * point (GPTQ/AWQ); activations symmetric absmax, 8 bits; the LM head (`site === "head"`) stays float.
 */
import type { Fp8Format } from "./fp8.js";

/** Options shared by every scheme. */
export interface CommonOptions {
  /** Keep the LM head in float (default true, as LLM.int8/SmoothQuant evaluations do). */
  readonly skipHead?: boolean;
}
/** Weight code options. */
export interface WeightOptions extends CommonOptions {
  /** Weight bits (2–8). */
  readonly wBits?: number;
  /** Absmax (true) or zero-point (false) weights. */
  readonly wSymmetric?: boolean;
}
/** Weight and activation code options. */
export interface ActivationOptions extends WeightOptions {
  /** Activation bits (2–8), default 8; A6/A4 expose problems earlier in tiny models. */
  readonly aBits?: number;
  /** Absmax (true, default) or zero-point (false) activations. */
  readonly aSymmetric?: boolean;
}

export type Scheme =
  /** No quantization: the float baseline. */
  | ({ readonly name: "fp32" } & CommonOptions)
  /** Weight-only, per-channel (per column) round-to-nearest, 8-bit symmetric by default. */
  | ({ readonly name: "w8" } & WeightOptions)
  /** Weight-only, per-channel 4-bit, asymmetric by default (the paper's column-wise INT4). */
  | ({ readonly name: "w4" } & WeightOptions)
  /** Weight-only, group-wise along the input dimension, 4-bit asymmetric by default. */
  | ({ readonly name: "w4-group"; readonly groupSize: 32 | 64 | 128 } & WeightOptions)
  /**
   * Per-tensor weights and per-tensor activations; activation scale calibrated (static) or per batch
   * (dynamic). Static only: `clipPercentile` (e.g. 99.99) uses that percentile of calibration |X| as
   * the range instead of the max (needs `calibrate({ percentiles: [99.99] })`), clipping the rest.
   */
  | ({ readonly name: "w8a8-tensor"; readonly mode: "static" | "dynamic"; readonly clipPercentile?: number } & ActivationOptions)
  /** Vector-wise: per-token activations × per-channel weights, dynamic (the paper's main scheme). */
  | ({ readonly name: "w8a8-vector" } & ActivationOptions)
  /** LLM.int8(): vector-wise, plus input columns with any |x| ≥ threshold computed in float. */
  | ({ readonly name: "llm-int8"; readonly threshold: number } & ActivationOptions)
  /**
   * SmoothQuant: `Y = (X·diag(s)⁻¹)(diag(s)·W)`, `s_j = max|X_j|^α / max|W_j|^(1−α)`, then W8A8 with
   * per-tensor weights and, by level: O1 per-token dynamic, O2 per-tensor dynamic, O3 per-tensor static
   * activations (default O3). `sites` are the linear sites smoothed (default the LayerNorm-fed
   * `attn.qkv` and `mlp.in`, where s folds into the LayerNorm); other sites get the same W8A8 unsmoothed.
   */
  | ({ readonly name: "smoothquant"; readonly alpha: number; readonly level?: "O1" | "O2" | "O3"; readonly sites?: readonly string[] } & ActivationOptions)
  /** FP8 weights and activations, each scaled per tensor so its absmax maps to the format's max (dynamic). */
  | ({ readonly name: "fp8"; readonly format: Fp8Format } & CommonOptions)
  /** GPTQ weight-only (needs a calibration Hessian), per-channel or group-wise, asymmetric by default. */
  | ({ readonly name: "gptq"; readonly wBits?: number; readonly groupSize?: number; readonly dampening?: number } & WeightOptions);

export type SchemeName = Scheme["name"];

/** Resolved weight quantizer of a scheme, or null where weights stay float (fp32) or are not integer (fp8). */
export interface WeightFormat {
  readonly bits: number;
  readonly symmetric: boolean;
  readonly granularity: "tensor" | "channel" | "group";
  readonly groupSize?: number;
}

/** The integer weight format a scheme stores (null: float weights, or FP8 which is handled separately). */
export function weightFormat(s: Scheme): WeightFormat | null {
  switch (s.name) {
    case "fp32":
    case "fp8":
      return null;
    case "w8":
      return { bits: s.wBits ?? 8, symmetric: s.wSymmetric ?? true, granularity: "channel" };
    case "w4":
      return { bits: s.wBits ?? 4, symmetric: s.wSymmetric ?? false, granularity: "channel" };
    case "w4-group":
      return { bits: s.wBits ?? 4, symmetric: s.wSymmetric ?? false, granularity: "group", groupSize: s.groupSize };
    case "w8a8-tensor":
    case "smoothquant":
      return { bits: s.wBits ?? 8, symmetric: s.wSymmetric ?? true, granularity: "tensor" };
    case "w8a8-vector":
    case "llm-int8":
      return { bits: s.wBits ?? 8, symmetric: s.wSymmetric ?? true, granularity: "channel" };
    case "gptq": {
      const bits = s.wBits ?? 4;
      const symmetric = s.wSymmetric ?? false;
      return s.groupSize ? { bits, symmetric, granularity: "group", groupSize: s.groupSize } : { bits, symmetric, granularity: "channel" };
    }
  }
}

/** Activation bits and symmetry of a scheme, or null for weight-only / float schemes. */
export function activationFormat(s: Scheme): { bits: number; symmetric: boolean } | null {
  switch (s.name) {
    case "w8a8-tensor":
    case "w8a8-vector":
    case "llm-int8":
    case "smoothquant":
      return { bits: s.aBits ?? 8, symmetric: s.aSymmetric ?? true };
    default:
      return null;
  }
}

/** Whether `schemeLinear` needs a `Calibration` for this scheme. */
export function needsCalibration(s: Scheme): boolean {
  return (s.name === "w8a8-tensor" && s.mode === "static") || s.name === "smoothquant" || s.name === "gptq";
}

/** Whether a scheme keeps the LM head in float. */
export function skipsHead(s: Scheme): boolean {
  return s.skipHead ?? true;
}

/** A short human label for tables, e.g. `"W8A8 vector-wise"`, `"W4 g128"`, `"SmoothQuant α=0.5 O3"`. */
export function label(s: Scheme): string {
  const w = weightFormat(s);
  const a = activationFormat(s);
  const W = `W${w?.bits ?? 8}`;
  const WA = `${W}A${a?.bits ?? 8}`;
  const extras: string[] = [];
  // Weight symmetry is marked where it differs from the usual convention for its width
  // (absmax at 5–8 bits, zero-point at 2–4), so equal labels always mean equal formats.
  if (w && w.symmetric !== w.bits > 4) extras.push(w.symmetric ? "sym" : "asym");
  if (a && !a.symmetric) extras.push("asym act");
  if (s.name !== "fp32" && !skipsHead(s)) extras.push("+head");
  const tail = extras.length ? ` (${extras.join(", ")})` : "";
  switch (s.name) {
    case "fp32":
      return "FP32";
    case "w8":
    case "w4":
      return `${W} per-channel${tail}`;
    case "w4-group":
      return `${W} g${s.groupSize}${tail}`;
    case "w8a8-tensor":
      return `${WA} per-tensor ${s.mode}${s.mode === "static" && s.clipPercentile !== undefined ? ` p${s.clipPercentile}` : ""}${tail}`;
    case "w8a8-vector":
      return `${WA} vector-wise${tail}`;
    case "llm-int8":
      return `LLM.int8() ${WA} t=${s.threshold}${tail}`;
    case "smoothquant":
      return `SmoothQuant α=${s.alpha} ${WA} ${s.level ?? "O3"}${tail}`;
    case "fp8":
      return `FP8 ${s.format.toUpperCase()}${tail}`;
    case "gptq":
      return `GPTQ ${W}${s.groupSize ? ` g${s.groupSize}` : " per-channel"}${tail}`;
  }
}

/**
 * The schemes a sweep runs: the paper's vector-wise W8A8 and its baselines (per-tensor static and
 * dynamic), LLM.int8(), SmoothQuant, weight-only W8 / W4 (per-channel and group-wise), and FP8.
 */
export const PAPER_SCHEMES: readonly Scheme[] = [
  { name: "fp32" },
  { name: "w8" },
  { name: "w4" },
  { name: "w4-group", groupSize: 128 },
  { name: "w4-group", groupSize: 64 },
  { name: "w4-group", groupSize: 32 },
  { name: "w8a8-tensor", mode: "dynamic" },
  { name: "w8a8-tensor", mode: "static" },
  { name: "w8a8-vector" },
  { name: "llm-int8", threshold: 6 },
  { name: "smoothquant", alpha: 0.5 },
  { name: "fp8", format: "e4m3" },
  { name: "fp8", format: "e5m2" },
];
