/** W4 group-wise: weight-only, one scale per `groupSize` input rows of each column, 4-bit with a zero point by default. */
import { weightOnlyRtn } from "./common.js";
import type { SchemeDefinition, WeightFormat, WeightOptions } from "./registry.js";

export interface W4GroupScheme extends WeightOptions {
  readonly name: "w4-group";
  readonly groupSize: 32 | 64 | 128;
}

const format = (s: W4GroupScheme): WeightFormat => ({ bits: s.wBits ?? 4, symmetric: s.wSymmetric ?? false, granularity: "group", groupSize: s.groupSize });

export const w4Group: SchemeDefinition<W4GroupScheme> = {
  name: "w4-group",
  idParts: (s) => [`g${s.groupSize}`],
  label: (s) => `W${format(s).bits} g${s.groupSize}`,
  weightFormat: format,
  activationFormat: () => null,
  calibration: () => null,
  linear: weightOnlyRtn,
};
