/** W4: weight-only, per output channel, 4-bit with a zero point by default (the paper's column-wise INT4). */
import { perChannelRtn } from "./common.js";
import type { WeightOptions } from "./registry.js";

export interface W4Scheme extends WeightOptions {
  readonly name: "w4";
}

export const w4 = perChannelRtn<W4Scheme>("w4", 4, false);
