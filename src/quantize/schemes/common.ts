/** Pieces several scheme definitions share: the weight-only linear rule, per-channel RTN, label and format helpers. */
import * as tf from "@tensorflow/tfjs-core";
import { fakeQuant } from "../fake.js";
import type { ActivationFormat, LinearRule, SchemeConfig, SchemeDefinition, WeightFormat, WeightOptions } from "./registry.js";

/**
 * Weight-only round-to-nearest: each weight fake-quantized once in the scheme's integer format,
 * activations stay float, `y = x · ŵ`.
 */
export const weightOnlyRtn: LinearRule<SchemeConfig> = {
  prepare: (_s, w, ctx) => ({ wq: fakeQuant(w, ctx.weightFormat!) }),
  apply: (_s, x, weight) => ({ y: tf.matMul(x, weight.wq), xq: null }),
};

/** `"W8A8"`-style prefix of a weight-and-activation scheme's label (8 where a format is absent). */
export function bitsTag(w: WeightFormat | null, a: ActivationFormat | null): string {
  return `W${w?.bits ?? 8}A${a?.bits ?? 8}`;
}

/** The activation format of the integer W·A schemes: `aBits` (default 8), absmax unless `aSymmetric` is false. */
export function integerActivations(s: { readonly aBits?: number; readonly aSymmetric?: boolean }): ActivationFormat {
  return { bits: s.aBits ?? 8, symmetric: s.aSymmetric ?? true };
}

/**
 * A weight-only per-output-channel round-to-nearest scheme named `name` whose weights default to
 * `bits` and `symmetric` (W8 and W4 differ only in those defaults).
 */
export function perChannelRtn<C extends WeightOptions & { readonly name: string }>(name: C["name"], bits: number, symmetric: boolean): SchemeDefinition<C> {
  const format = (s: C): WeightFormat => ({ bits: s.wBits ?? bits, symmetric: s.wSymmetric ?? symmetric, granularity: "channel" });
  return {
    name,
    idParts: () => [],
    label: (s) => `W${format(s).bits} per-channel`,
    weightFormat: format,
    activationFormat: () => null,
    calibration: () => null,
    linear: weightOnlyRtn,
  };
}
