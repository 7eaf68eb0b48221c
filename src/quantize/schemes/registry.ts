/**
 * The scheme registry, modelled on tfjs-core's kernel registry (`src/kernel_registry.ts`): every
 * quantization scheme is one module exporting a {@link SchemeDefinition}, `register-all.ts` registers
 * the built-ins, and everything that needs to know what a scheme does (the linear layer, calibration,
 * byte counting, labels and ids) looks its definition up here by the value's `name` instead of
 * switching on it. `docs/adding-a-scheme.md` walks through adding one.
 *
 * Conventions (weights `[in, out]`, activations `[tokens, in]`):
 * - "per-channel" weights = one scale per output channel = per column;
 * - "per-token" activations = one scale per row;
 * - group-wise weights = groups of `groupSize` input rows within each column.
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { LinearCall } from "../../model/linear.js";
import type { Calibration } from "../calibrate.js";

/** Options every scheme value may carry. */
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

/** A scheme value: plain JSON, discriminated by `name` (the registry key of its definition). */
export interface SchemeConfig extends CommonOptions {
  readonly name: string;
}

/** The integer weight format a scheme stores (per-tensor, per output channel, or per group of input rows). */
export interface WeightFormat {
  readonly bits: number;
  readonly symmetric: boolean;
  readonly granularity: "tensor" | "channel" | "group";
  readonly groupSize?: number;
}

/** The integer activation format a scheme quantizes to. */
export interface ActivationFormat {
  readonly bits: number;
  readonly symmetric: boolean;
}

/**
 * What a scheme needs from `calibrate()`; an empty object means "calibration statistics, nothing extra"
 * (absmax, min/max and per-channel absmax are always recorded). Merged over a sweep's schemes by
 * `calibrateOptionsFor`.
 */
export interface CalibrationNeeds {
  /** `Σ x xᵀ` per layer (GPTQ). */
  readonly hessian?: boolean;
  /** Percentiles of `|X|` per layer (clipped static ranges). */
  readonly percentiles?: readonly number[];
  /** `mean_t |X[t, j]|` per input channel (AWQ). */
  readonly channelAbsMean?: boolean;
  /** At most this many calibration tokens (rows of X) kept per layer, a uniform sample (AWQ's search). */
  readonly sampleTokens?: number;
}

/** A static activation range from calibration. */
export interface ActivationRange {
  readonly absmax: number;
  readonly min: number;
  readonly max: number;
}

/** What `prepare` makes of one weight; `schemeLinear` keeps (and later disposes) every tensor in it. */
export interface PreparedWeight {
  /** The quantized weights, dequantized to float, `[in, out]`. */
  readonly wq: tf.Tensor2D;
  /** The float weights in the quantizer's domain, where that differs from the call's (SmoothQuant's `diag(s)·W`). */
  readonly w?: tf.Tensor2D;
  /** Per-input-channel factors the activations are divided by before quantization (SmoothQuant). */
  readonly s?: tf.Tensor1D;
  /** Static activation range in the quantizer's domain. */
  readonly aRange?: ActivationRange;
}

/** A prepared weight as `apply` sees it: `w` is always set (the float weights, or an alias of `wq` when nothing reads them). */
export interface CachedWeight extends PreparedWeight {
  readonly w: tf.Tensor2D;
}

/** What a scheme's linear rule is told besides the scheme value. */
export interface LinearContext {
  readonly call: LinearCall;
  /** Calibration statistics, when the scheme needs them (see `needsCalibration`). */
  readonly calib?: Calibration;
  /** The scheme's resolved formats (its definition's `weightFormat` / `activationFormat`). */
  readonly weightFormat: WeightFormat | null;
  readonly activationFormat: ActivationFormat | null;
}

/** The output of one quantized matmul, and the operands an SQNR observer compares. */
export interface LinearOutput {
  /** `x̂ · ŵ` without bias, `[tokens, out]`. */
  readonly y: tf.Tensor2D;
  /** The float activations in the quantizer's domain (default: the call's `x`). */
  readonly xIn?: tf.Tensor2D;
  /** The quantized activations, or null for weight-only schemes. */
  readonly xq: tf.Tensor2D | null;
}

/**
 * How a scheme computes a linear layer, split so `schemeLinear` can cache the weight side: `prepare`
 * runs once per weight name (inside a tidy; what it returns is kept), `apply` on every call (inside a
 * tidy). `schemeLinear` adds the bias, keeps the LM head in float when the scheme skips it, and feeds
 * SQNR observers.
 */
export interface LinearRule<C extends SchemeConfig> {
  prepare(scheme: C, w: tf.Tensor2D, ctx: LinearContext): PreparedWeight;
  apply(scheme: C, x: tf.Tensor2D, weight: CachedWeight, ctx: LinearContext): LinearOutput;
  /** Whether `apply` reads the float weights `weight.w` (then they are kept even without an observer). */
  readonly readsFloatWeights?: boolean;
}

/**
 * Everything quantscope knows about one scheme. `C` is the type of its values, `{ name, …options }`.
 */
export interface SchemeDefinition<C extends SchemeConfig = SchemeConfig> {
  /** The registry key and the `name` of its values, e.g. `"w4-group"`; the first segment of every id. */
  readonly name: C["name"];
  /**
   * The id segments after the name for the scheme's own parameters, defaults resolved, e.g.
   * `["g32"]`. Together with the name they must tell apart any two values that behave differently,
   * apart from the common options (bits, symmetry, `skipHead`), which `schemeId` adds itself.
   */
  idParts(scheme: C): readonly string[];
  /** The display label without the common-option tail, e.g. `"W4 g32"` (`label()` appends `(sym, +head)` etc.). */
  label(scheme: C): string;
  /** The integer weight format, or null where weights stay float or use a float format. */
  weightFormat(scheme: C): WeightFormat | null;
  /** The integer activation format, or null for weight-only and float-format schemes. */
  activationFormat(scheme: C): ActivationFormat | null;
  /** What calibration the scheme needs, or null when it needs none. */
  calibration(scheme: C): CalibrationNeeds | null;
  /** How it computes a linear layer; null computes in float (the FP32 baseline). */
  readonly linear: LinearRule<C> | null;
  /**
   * Exact storage of one linear weight of `shape` (bytes), or null where it stays float32. Omitted:
   * the integer storage of `weightFormat` (`quantizedBytes`), or null when that is null.
   */
  weightBytes?(scheme: C, shape: readonly number[]): number | null;
}

/** The value type a definition accepts. */
export type ConfigOf<D> = D extends SchemeDefinition<infer C> ? C : never;

const registry = new Map<string, SchemeDefinition>();

/**
 * Registers a scheme definition under its name; registering a name twice is an error. (Any
 * `SchemeDefinition<C>` is accepted: lookups only ever call a definition with values of its own name.)
 */
export function registerScheme(def: SchemeDefinition): void {
  if (registry.has(def.name)) throw new Error(`quantization scheme '${def.name}' is already registered`);
  registry.set(def.name, def);
}

/** Removes a registered scheme (tests that register their own). */
export function unregisterScheme(name: string): void {
  if (!registry.delete(name)) throw new Error(`quantization scheme '${name}' is not registered`);
}

/** The definition registered under `name`, or an error listing the registered names. */
export function getScheme(name: string): SchemeDefinition {
  const def = registry.get(name);
  if (!def) throw new Error(`unknown quantization scheme '${name}' (registered: ${[...registry.keys()].join(", ")})`);
  return def;
}

/** Every registered definition, in registration order. */
export function listSchemes(): readonly SchemeDefinition[] {
  return [...registry.values()];
}
