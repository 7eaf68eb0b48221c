/**
 * Quantization schemes as plain values (`{ name, …options }`, JSON-serialisable) so sweeps can list,
 * store and label them, and the lookups everything else uses: each function finds the value's
 * definition in the registry (`schemes/registry.ts`; the built-ins are in `schemes/`, one file each)
 * and asks it. `schemeLinear` (linear.ts) turns a value into the model's `LinearImpl`.
 *
 * Defaults: 8-bit codes symmetric absmax (LLM.int8/SmoothQuant); 4-bit weight codes asymmetric with a
 * zero point (GPTQ/AWQ); activations symmetric absmax, 8 bits; the LM head (`site === "head"`) stays float.
 *
 * ## Scheme ids
 * {@link schemeId} gives every configured scheme a stable, canonical id, the key results are matched
 * on (labels are for display and may be reworded): `/`-separated segments
 * 1. the scheme's name (`w8a8-tensor`);
 * 2. its own parameters, defaults resolved, as its definition's `idParts` writes them (`static`,
 *    `p99.99`, `t6`, `g32`, `alpha0.5`, `O3`, `e4m3`, `channel`);
 * 3. the common options, only where they differ from the scheme's defaults: `w<bits>-sym|asym` for
 *    the weight format, `a<bits>-sym|asym` for the activation format, and `head` when the LM head is
 *    quantized too.
 *
 * So `{ name: "w4-group", groupSize: 32 }` and `{ name: "w4-group", groupSize: 32, wBits: 4 }` share
 * `w4-group/g32`, while `{ name: "w8a8-vector", aBits: 4 }` is `w8a8-vector/a4-sym`. Numbers are written
 * as JavaScript prints them (`String(0.5)`).
 */
import type { CalibrateOptions } from "./calibrate.js";
import type { LinearImpl } from "../model/linear.js";
import "./schemes/register-all.js";
import type { Scheme } from "./schemes/register-all.js";
import { getScheme, type ActivationFormat, type SchemeConfig, type SchemeDefinition, type WeightFormat } from "./schemes/registry.js";

export type { Scheme } from "./schemes/register-all.js";
export type { ActivationFormat, ActivationOptions, CommonOptions, WeightFormat, WeightOptions } from "./schemes/registry.js";

export type SchemeName = Scheme["name"];

/** The registered definition of a scheme value (an error listing the registered names if there is none). */
export function definitionOf(s: SchemeConfig): SchemeDefinition {
  return getScheme(s.name);
}

/** The integer weight format a scheme stores (null: float weights, or a float format such as FP8/FP4). */
export function weightFormat(s: Scheme): WeightFormat | null {
  return definitionOf(s).weightFormat(s);
}

/** Activation bits and symmetry of a scheme, or null for weight-only and float-format schemes. */
export function activationFormat(s: Scheme): ActivationFormat | null {
  return definitionOf(s).activationFormat(s);
}

/** Whether `schemeLinear` needs a `Calibration` for this scheme. */
export function needsCalibration(s: Scheme): boolean {
  return definitionOf(s).calibration(s) !== null;
}

/** Whether a scheme keeps the LM head in float. */
export function skipsHead(s: Scheme): boolean {
  return s.skipHead ?? true;
}

/** A short human label for tables, e.g. `"W8A8 vector-wise"`, `"W4 g128"`, `"SmoothQuant α=0.5 W8A8 O3"`. */
export function label(s: Scheme): string {
  const def = definitionOf(s);
  const w = def.weightFormat(s);
  const a = def.activationFormat(s);
  const extras: string[] = [];
  // Weight symmetry is marked where it differs from the usual convention for its width
  // (absmax at 5–8 bits, zero-point at 2–4), so equal labels always mean equal formats.
  if (w && w.symmetric !== w.bits > 4) extras.push(w.symmetric ? "sym" : "asym");
  if (a && !a.symmetric) extras.push("asym act");
  if (def.linear && !skipsHead(s)) extras.push("+head");
  return def.label(s) + (extras.length ? ` (${extras.join(", ")})` : "");
}

const formatPart = (prefix: string, f: { bits: number; symmetric: boolean }) => `${prefix}${f.bits}-${f.symmetric ? "sym" : "asym"}`;
const differ = (f: { bits: number; symmetric: boolean } | null, g: { bits: number; symmetric: boolean } | null) => !!f && !!g && (f.bits !== g.bits || f.symmetric !== g.symmetric);

/** The stable, canonical id of a configured scheme, e.g. `"llm-int8/t6"` (see the module comment). */
export function schemeId(s: Scheme): string {
  const def = definitionOf(s);
  const { wBits, wSymmetric, aBits, aSymmetric, skipHead, ...rest } = s as Scheme & { wBits?: number; wSymmetric?: boolean; aBits?: number; aSymmetric?: boolean };
  // The same value without the common options: its formats are the scheme's defaults.
  const bare = rest as SchemeConfig;
  const parts = [def.name, ...def.idParts(s)];
  const w = def.weightFormat(s), a = def.activationFormat(s);
  if (differ(w, def.weightFormat(bare))) parts.push(formatPart("w", w!));
  if (differ(a, def.activationFormat(bare))) parts.push(formatPart("a", a!));
  if (def.linear && !skipsHead(s)) parts.push("head");
  for (const p of parts) if (!p || p.includes("/")) throw new Error(`scheme '${def.name}': id segment '${p}' is empty or contains '/'`);
  return parts.join("/");
}

/**
 * The calibration options a list of schemes needs (the union of what each asks for: the Hessian for
 * GPTQ, the percentiles static schemes clip at, AWQ's channel means and token sample). Pass to
 * `calibrate` before a sweep.
 */
export function calibrateOptionsFor(schemes: readonly Scheme[], base?: LinearImpl): CalibrateOptions {
  const needs = schemes.flatMap((s) => definitionOf(s).calibration(s) ?? []);
  const percentiles = [...new Set(needs.flatMap((n) => n.percentiles ?? []))];
  const sampleTokens = Math.max(0, ...needs.map((n) => n.sampleTokens ?? 0));
  return {
    ...(base ? { base } : {}),
    ...(needs.some((n) => n.hessian) ? { hessian: true } : {}),
    ...(percentiles.length ? { percentiles } : {}),
    ...(needs.some((n) => n.channelAbsMean) ? { channelAbsMean: true } : {}),
    ...(sampleTokens ? { sampleTokens } : {}),
  };
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
