import * as tf from "@tensorflow/tfjs-core";
import "../ops/gradients.js";
import { BatchSampler } from "../data/batches.js";
import type { Dataset } from "../data/dataset.js";
import { Rng } from "../data/rng.js";
import type { Transformer } from "../model/transformer.js";
import { AdamW } from "./adamw.js";
import { clipByGlobalNorm, globalNorm } from "./clip.js";
import { DEFAULT_DIVERGENCE, DivergenceDetector, type DivergenceRule } from "./divergence.js";
import { DynamicLossScale } from "./loss-scale.js";
import { makeRecipe, type Recipe } from "./recipe.js";
import { learningRate } from "./schedule.js";
import { decaysParameter } from "./weight-decay.js";

/** What one optimizer step did; passed to progress callbacks. */
export interface StepInfo {
  readonly step: number;
  readonly loss: number;
  readonly lr: number;
  /** Global gradient norm before clipping (unscaled). */
  readonly gradNorm: number;
  readonly tokensPerSec: number;
  readonly clipped: boolean;
  /** fp16 only: the step was skipped because the scaled gradients overflowed. */
  readonly skipped: boolean;
  readonly lossScale: number | null;
  /** Steps the whole run will take. */
  readonly totalSteps: number;
}

export type RunStatus = "created" | "running" | "finished" | "diverged" | "stopped";

/** Something run every `every` steps during training, such as the outlier tracker. */
export interface StepHook {
  readonly every: number;
  run(trainer: Trainer, step: number): void | Promise<void>;
}

export interface TrainOptions {
  /** Called after every step. */
  readonly onStep?: (info: StepInfo) => void | Promise<void>;
  readonly hooks?: readonly StepHook[];
  /** Stop early (the run's status becomes `stopped`). */
  readonly signal?: AbortSignal;
  /**
   * When a finite loss counts as diverged (default {@link DEFAULT_DIVERGENCE}: above 3× its running
   * minimum for 10 consecutive steps); `null` counts only NaN or ±Inf losses.
   */
  readonly divergence?: DivergenceRule | null;
}

export interface TrainResult {
  readonly status: RunStatus;
  readonly steps: number;
  /** Loss at every step. */
  readonly losses: Float64Array;
  /** The step at which the run diverged (see {@link TrainOptions.divergence}), or null. */
  readonly divergedAt: number | null;
}

/**
 * Trains a {@link Transformer} on a dataset with a {@link Recipe}: sampled batches, emulated
 * precision, AdamW, optional clipping, and a learning-rate schedule. Same seed and backend give the
 * same losses bit for bit; {@link Trainer.state} and {@link Trainer.restore} let a run resume exactly.
 */
export class Trainer {
  readonly recipe: Recipe;
  readonly optimizer: AdamW;
  readonly sampler: BatchSampler;
  readonly dropoutRng: Rng;
  readonly lossScale: DynamicLossScale | null;
  status: RunStatus = "created";
  /** Steps taken so far. */
  step = 0;
  readonly losses: number[] = [];

  constructor(readonly model: Transformer, readonly data: Dataset, recipe: Partial<Recipe> = {}) {
    this.recipe = makeRecipe(recipe);
    const r = this.recipe;
    this.sampler = new BatchSampler(data.train, r.batchSize, model.config.context, r.seed);
    this.dropoutRng = new Rng((r.seed ^ 0x5bd1e995) >>> 0);
    this.lossScale = r.precision === "fp16" ? new DynamicLossScale() : null;
    this.optimizer = new AdamW(model.params, {
      beta1: r.beta1,
      beta2: r.beta2,
      eps: r.eps,
      weightDecay: r.weightDecay,
      decoupled: r.decoupled,
      decays: (name) => decaysParameter(name, r),
    });
  }

  /** Takes one optimizer step and returns what it did. */
  async trainStep(): Promise<StepInfo> {
    const r = this.recipe;
    const started = performance.now();
    const step = this.step + 1;
    const lr = learningRate({ lr: r.lr, warmupSteps: r.warmupSteps, decay: r.decay, steps: r.steps, minLrFraction: r.minLrFraction }, step);
    const batch = this.sampler.next();
    const scale = this.lossScale?.scale ?? 1;
    const names = [...this.model.params.keys()];
    const vars = [...this.model.params.values()];
    const hasDropout = r.dropout.embedding + r.dropout.attention + r.dropout.residual > 0;

    const { value, grads: rawGrads } = tf.variableGrads(() => {
      const loss = this.model.loss(batch, {
        precision: r.precision,
        dropout: hasDropout ? { ...r.dropout, seed: () => this.dropoutRng.seed() } : undefined,
      });
      return (scale === 1 ? loss : tf.mul(loss, scale)) as tf.Scalar;
    }, vars);
    let grads = new Map(names.map((n, i) => [n, rawGrads[vars[i]!.name]!]));
    if (scale !== 1) {
      const unscaled = new Map([...grads].map(([n, g]) => [n, tf.div(g, scale)]));
      for (const g of grads.values()) g.dispose();
      grads = unscaled;
    }
    const norm = globalNorm(grads.values());
    // One small read-back per step: loss and gradient norm together.
    const packed = tf.stack([value, norm]);
    const [lossScaled, gradNorm] = (await packed.data()) as unknown as [number, number];
    const loss = lossScaled / scale;
    packed.dispose();
    value.dispose();

    let skipped = false;
    let clipped = false;
    if (!Number.isFinite(loss)) {
      this.status = "diverged";
    } else if (this.lossScale && !this.lossScale.update(Number.isFinite(gradNorm))) {
      skipped = true;
    } else {
      if (r.clipNorm !== null && gradNorm > r.clipNorm) {
        const clippedGrads = clipByGlobalNorm(grads, r.clipNorm, norm);
        for (const g of grads.values()) g.dispose();
        grads = clippedGrads;
        clipped = true;
      }
      this.optimizer.apply(grads, lr);
    }
    norm.dispose();
    for (const g of grads.values()) g.dispose();
    this.step = step;
    this.losses.push(loss);
    const seconds = (performance.now() - started) / 1000;
    return {
      step, loss, lr, gradNorm, skipped, clipped,
      tokensPerSec: (batch.batch * batch.context) / seconds,
      lossScale: this.lossScale ? this.lossScale.scale : null,
      totalSteps: r.steps,
    };
  }

  /** Trains until `recipe.steps` (or divergence, or the signal), calling hooks and callbacks. */
  async run(opts: TrainOptions = {}): Promise<TrainResult> {
    const detector = new DivergenceDetector(opts.divergence === undefined ? DEFAULT_DIVERGENCE : opts.divergence);
    this.status = "running";
    let divergedAt: number | null = null;
    while (this.step < this.recipe.steps) {
      if (opts.signal?.aborted) {
        this.status = "stopped";
        break;
      }
      const info = await this.trainStep();
      divergedAt = detector.observe(info.step, info.loss);
      if (divergedAt !== null) {
        this.status = "diverged";
        await opts.onStep?.(info);
        break;
      }
      await opts.onStep?.(info);
      for (const hook of opts.hooks ?? []) if (info.step % hook.every === 0) await hook.run(this, info.step);
    }
    if (this.status === "running") this.status = "finished";
    return { status: this.status, steps: this.step, losses: Float64Array.from(this.losses), divergedAt };
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
