/** W8: weight-only, per output channel (per column), round-to-nearest; 8-bit absmax by default. */
import { perChannelRtn } from "./common.js";
import type { WeightOptions } from "./registry.js";

export interface W8Scheme extends WeightOptions {
  readonly name: "w8";
}

export const w8 = perChannelRtn<W8Scheme>("w8", 8, true);
