import { col, defineTable, type RowOf } from "./define.js";

/**
 * The `quant` table: one metric of one quantized model per row. `weight_bits`/`activation_bits` are
 * null where the scheme keeps that side in float; `layer`/`site` are set for per-layer SQNR rows;
 * `float_value` is the float model's value of the same metric (null for SQNR, which has none).
 */
export const quant = defineTable({
  run: col.dict(),
  recipeLabel: col.dict(),
  /** The scheme's stable id (`schemeId`, e.g. `llm-int8/t6`): match results on this, not on the label. */
  schemeId: col.dict(),
  /** The scheme's display label (`label`, e.g. `LLM.int8() W8A8 t=6`). */
  scheme: col.dict(),
  weightBits: col.int32().orNull(),
  activationBits: col.int32().orNull(),
  granularity: col.dict(),
  metric: col.dict(),
  layer: col.int32().orNull(),
  site: col.dict().orNull(),
  value: col.float64(),
  floatValue: col.float64().orNull(),
  degradationPct: col.float64().orNull(),
});

/** One metric of one quantized model. */
export interface QuantRow extends RowOf<typeof quant> {}
