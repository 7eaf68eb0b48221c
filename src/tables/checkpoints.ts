import { col, defineTable, type RowOf } from "./define.js";

/** The `checkpoints` table: one row per saved checkpoint. */
export const checkpoints = defineTable({
  run: col.dict(),
  step: col.int64(),
  path: col.utf8(),
  bytes: col.int64(),
  createdAt: col.timestamp(),
});

/** A checkpoint saved during a run. */
export interface CheckpointRow extends RowOf<typeof checkpoints> {}
