import { col, defineTable, type RowOf } from "./define.js";

/** The `metrics` table: one row per training step. */
export const metrics = defineTable({
  run: col.dict(),
  step: col.int64(),
  loss: col.float32(),
  lr: col.float64(),
  gradNorm: col.float32(),
  tokensPerSec: col.float32().named("tokens_per_s"),
});

/** One training step's numbers. */
export interface MetricRow extends RowOf<typeof metrics> {}
