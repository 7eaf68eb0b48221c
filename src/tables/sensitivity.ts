import { col, defineTable, type RowOf } from "./define.js";

/**
 * The `sensitivity` table: per-layer quantization sensitivity, as AIMET's QuantAnalyzer reports it.
 * One row per linear layer quantized alone under one scheme, every other layer in float:
 * `delta_loss = loss − float_loss`, `delta_pct = 100 · delta_loss / float_loss`.
 */
export const sensitivity = defineTable({
  run: col.dict(),
  /** The scheme's stable id (`schemeId`): match results on this, not on the label. */
  schemeId: col.dict(),
  scheme: col.dict(),
  layer: col.int32(),
  site: col.dict(),
  /** Parameter name of the quantized weight, e.g. `h.3.mlp.in.w`. */
  name: col.utf8(),
  loss: col.float64(),
  floatLoss: col.float64(),
  deltaLoss: col.float64(),
  deltaPct: col.float64(),
});

/** The loss with only weight `name` quantized. */
export interface SensitivityRow extends RowOf<typeof sensitivity> {}
