import { CONFIGS, type TransformerConfig } from "../model/config.js";
import { PAPER_SCHEMES } from "../quantize/schemes.js";
import type { Recipe } from "../train/recipe.js";
import type { SweepSpec } from "./sweep.js";

/**
 * The two recipes Ahmadian et al. (2023) contrast. "Unfriendly": weight decay 0.001, dropout 0.1,
 * fp16, no gradient clipping. "Friendly": weight decay 0.1, no dropout, bf16, clipping at 1.0.
 */
export const PAPER_RECIPES = {
  unfriendly: { weightDecay: 0.001, dropout: { embedding: 0.1, attention: 0.1, residual: 0.1 }, precision: "fp16", clipNorm: null },
  friendly: { weightDecay: 0.1, dropout: { embedding: 0, attention: 0, residual: 0 }, precision: "bf16", clipNorm: 1.0 },
} as const satisfies Record<string, Partial<Recipe>>;

/** A 4-layer, d_model-64 model: small enough for the comparison to run in CPU minutes. */
export const LAPTOP_MODEL: TransformerConfig = { vocabSize: 96, dModel: 64, nLayers: 4, nHeads: 4, dMlp: 256, context: 64 };

function paperSweep(model: TransformerConfig, steps: number, batchSize: number, seeds: number[], trackEvery: number, evalBatches: number): SweepSpec {
  // A high learning rate is what grows outliers at this scale (pilot runs; He et al. 2024), so both
  // recipes share lr 1e-2: the comparison isolates the paper's four knobs.
  const shared: Partial<Recipe> = { steps, batchSize, lr: 1e-2, warmupSteps: Math.min(100, Math.floor(steps / 10)) };
  return {
    model,
    recipes: Object.fromEntries(Object.entries(PAPER_RECIPES).map(([k, r]) => [k, { ...shared, ...r }])),
    seeds,
    schemes: PAPER_SCHEMES,
    trackEvery,
    evaluation: { batches: evalBatches, batchSize: 8, taskProblems: 128 },
    calibrationBatches: 2,
  };
}

/**
 * Named experiment sizes of the paper comparison: `ci` runs in about a minute for tests, `demo` in a
 * few CPU minutes (the main job), `full` is the laptop-scale reproduction (several seeds, longer),
 * `gpu` uses the `small` model for a GPU backend.
 */
export const EXPERIMENTS = {
  ci: paperSweep({ ...CONFIGS.micro, context: 32 }, 40, 8, [0], 20, 2),
  demo: paperSweep(LAPTOP_MODEL, 400, 16, [0], 100, 4),
  full: paperSweep(LAPTOP_MODEL, 2000, 32, [0, 1, 2], 250, 8),
  gpu: paperSweep(CONFIGS.small, 4000, 32, [0, 1, 2], 500, 16),
} satisfies Record<string, SweepSpec>;

export type ExperimentName = keyof typeof EXPERIMENTS;
