import { col, defineTable, type RowOf } from "./define.js";

/**
 * The `runs` table: one row per training run. `config` and `recipe` are structs holding the model
 * configuration and the training recipe (the recipe's dropout rates as `dropout_<site>`).
 */
export const runs = defineTable({
  run: col.dict(),
  recipeLabel: col.dict(),
  seed: col.int32(),
  config: col.struct({
    vocabSize: col.int32(), dModel: col.int32(), nLayers: col.int32(), nHeads: col.int32(), dMlp: col.int32(), context: col.int32(),
  }),
  recipe: col.struct({
    steps: col.int32(), batchSize: col.int32(), lr: col.float64(), warmupSteps: col.int32(), decay: col.utf8(), minLrFraction: col.float64(),
    weightDecay: col.float64(), decoupled: col.bool(), decayNorms: col.bool(), decayEmbeddings: col.bool(),
    beta1: col.float64(), beta2: col.float64(), eps: col.float64(),
    dropout: col.flattened({ embedding: col.float64(), attention: col.float64(), residual: col.float64() }),
    clipNorm: col.float64().orNull(), precision: col.utf8(), seed: col.int32(),
  }),
  /** The backend the run trained on: stamped by the store that writes it, not by the producer. */
  backend: col.dict(),
  status: col.dict(),
  steps: col.int64(),
  divergedAt: col.int64().orNull(),
  startedAt: col.timestamp(),
  finishedAt: col.timestamp(),
});

/** One training run's summary, as a sweep produces it (the store adds `backend`). */
export interface RunRow extends Omit<RowOf<typeof runs>, "backend"> {}
