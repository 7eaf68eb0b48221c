import type { Precision } from "../ops/precision.js";
import type { Dropout } from "../model/transformer.js";
import { validateSeed } from "../data/rng.js";

/**
 * A training recipe: the knobs Ahmadian et al. (2023) vary (weight decay, dropout, gradient
 * clipping, half-precision format) plus those pilot runs and He et al. (2024) show move outliers
 * as much (learning rate, Adam ε and β₂).
 */
export interface Recipe {
  readonly steps: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly warmupSteps: number;
  readonly decay: "constant" | "cosine";
  readonly minLrFraction: number;
  readonly weightDecay: number;
  /** Decoupled (AdamW) weight decay; `false` gives Adam with L2 added to the gradient instead. */
  readonly decoupled: boolean;
  /**
   * Which parameters `weightDecay` applies to is decided in one place, `decaysParameter`
   * (train/weight-decay.ts): weight matrices always, biases never, and these two groups on request.
   * Also decay LayerNorm gains and biases (off by default, as in GPT-2, minGPT and nanoGPT).
   */
  readonly decayNorms: boolean;
  /**
   * Also decay the token and position embeddings (`wte`, `wpe`). Off by default, as in minGPT:
   * the embeddings are looked up, not quantized, so with this off the weight-decay knob acts on
   * exactly the matrices the schemes quantize (and the LM head). nanoGPT and Hugging Face's
   * Trainer decay embeddings too. It matters in a weight-decay study: decayed embeddings also
   * shrink what enters the residual stream, where outlier dimensions are measured. Set it to
   * `true` to match nanoGPT; the `runs` table records it with every run.
   */
  readonly decayEmbeddings: boolean;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly dropout: Dropout;
  /** Clip gradients to this global L2 norm; `null` for no clipping. */
  readonly clipNorm: number | null;
  readonly precision: Precision;
  readonly seed: number;
}

/** The default recipe: AdamW (0.9, 0.95, ε 1e-8), lr 1e-3 with 100 warmup steps, no regularisation, fp32. */
export const DEFAULT_RECIPE: Recipe = {
  steps: 1000,
  batchSize: 32,
  lr: 1e-3,
  warmupSteps: 100,
  decay: "constant",
  minLrFraction: 0.1,
  weightDecay: 0,
  decoupled: true,
  decayNorms: false,
  decayEmbeddings: false,
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  dropout: { embedding: 0, attention: 0, residual: 0 },
  clipNorm: null,
  precision: "fp32",
  seed: 0,
};

/** Fills a partial recipe from the defaults and checks every field, naming the bad one. */
export function makeRecipe(partial: Partial<Recipe> = {}): Recipe {
  const r: Recipe = { ...DEFAULT_RECIPE, ...partial, dropout: { ...DEFAULT_RECIPE.dropout, ...partial.dropout } };
  const positiveInt = (k: "steps" | "batchSize") => {
    if (!Number.isInteger(r[k]) || r[k] < 1) throw new Error(`recipe.${k} must be a positive integer, got ${r[k]}`);
  };
  positiveInt("steps");
  positiveInt("batchSize");
  if (!Number.isInteger(r.warmupSteps) || r.warmupSteps < 0) throw new Error(`recipe.warmupSteps must be a non-negative integer, got ${r.warmupSteps}`);
  // `x > 0` alone lets Infinity through, and NaN fails every comparison: check finiteness as well.
  const finite = (x: number) => typeof x === "number" && Number.isFinite(x);
  if (!(finite(r.lr) && r.lr > 0)) throw new Error(`recipe.lr must be a finite number > 0, got ${r.lr}`);
  if (!(finite(r.weightDecay) && r.weightDecay >= 0)) throw new Error(`recipe.weightDecay must be a finite number >= 0, got ${r.weightDecay}`);
  if (!(r.minLrFraction >= 0 && r.minLrFraction <= 1)) throw new Error(`recipe.minLrFraction must be in [0, 1], got ${r.minLrFraction}`);
  for (const k of ["beta1", "beta2"] as const) if (!(r[k] >= 0 && r[k] < 1)) throw new Error(`recipe.${k} must be in [0, 1), got ${r[k]}`);
  if (!(finite(r.eps) && r.eps > 0)) throw new Error(`recipe.eps must be a finite number > 0, got ${r.eps}`);
  for (const [k, p] of Object.entries(r.dropout)) if (!(p >= 0 && p < 1)) throw new Error(`recipe.dropout.${k} must be in [0, 1), got ${p}`);
  if (r.clipNorm !== null && !(finite(r.clipNorm) && r.clipNorm > 0)) throw new Error(`recipe.clipNorm must be a finite number > 0, or null for no clipping, got ${r.clipNorm}`);
  validateSeed(r.seed, "recipe.seed");
  if (!["fp32", "bf16", "fp16"].includes(r.precision)) throw new Error(`recipe.precision must be fp32, bf16 or fp16, got '${r.precision}'`);
  if (!["constant", "cosine"].includes(r.decay)) throw new Error(`recipe.decay must be 'constant' or 'cosine', got '${r.decay}'`);
  return r;
}

