import { col, defineTable, type RowOf } from "./define.js";

/** The `traces` table: one outlier measurement per row (long format); `layer` is −1 for whole-model values. */
export const traces = defineTable({
  run: col.dict(),
  step: col.int64(),
  layer: col.int32(),
  site: col.dict(),
  metric: col.dict(),
  value: col.float64(),
});

/** One outlier measurement. */
export interface TraceRow extends RowOf<typeof traces> {}
