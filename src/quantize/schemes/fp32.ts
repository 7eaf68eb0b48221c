/** FP32: no quantization, the float baseline every degradation is measured against. */
import type { CommonOptions, SchemeDefinition } from "./registry.js";

export interface Fp32Scheme extends CommonOptions {
  readonly name: "fp32";
}

export const fp32: SchemeDefinition<Fp32Scheme> = {
  name: "fp32",
  idParts: () => [],
  label: () => "FP32",
  weightFormat: () => null,
  activationFormat: () => null,
  calibration: () => null,
  linear: null,
};
