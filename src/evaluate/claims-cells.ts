/**
 * A claims plan as cells: each arm × seed is one cell with a deterministic id, trained, tracked,
 * evaluated at checkpoints and quantized along the cliff axes by {@link runClaimsCell}, the one code
 * path for a claims run, whether {@link runClaims} loops over the cells in one process or queue
 * workers and array tasks run them anywhere.
 */
import type { Batch } from "../data/batches.js";
import { builtinDataset } from "../data/builtin.js";
import type { Dataset } from "../data/dataset.js";
import type { Scheme } from "../quantize/schemes.js";
import { cellsOf, contentId, sizeLabel, type SweepCell } from "../sweep/cells.js";
import type { TraceRow } from "../tables/index.js";
import type { StepHook, Trainer } from "../train/trainer.js";
import { CHECKPOINT_DEGRADATION, CHECKPOINT_LOSS, type Arm } from "./claims.js";
import { rowSchemeKey } from "./cliff.js";
import { quantizeAndEvaluate, runSweepCell, sweepInputs, type SweepHooks, type SweepInputs, type SweepResult, type SweepSpec } from "./sweep.js";

/** The experiment behind the claim table. */
export interface ClaimsPlan {
  readonly arms: readonly Arm[];
  readonly seeds: readonly number[];
  /** Schemes every final model is quantized with (the cliff axes). */
  readonly schemes: readonly Scheme[];
  /** Schemes evaluated at every tracking checkpoint (keep this short: it runs during training). */
  readonly checkpointSchemes: readonly Scheme[];
  readonly trackEvery: number;
  readonly evaluation: SweepSpec["evaluation"];
  readonly calibrationBatches: number;
}

/**
 * Held-out float loss and degradation under a few schemes, every `every` steps: what matched-loss
 * comparisons and the early-checkpoint claim read (trace metrics {@link CHECKPOINT_LOSS} and
 * {@link CHECKPOINT_DEGRADATION}, site = scheme key, layer −1).
 */
export class CheckpointEvaluator implements StepHook {
  readonly rows: TraceRow[] = [];
  constructor(
    readonly runId: string,
    readonly every: number,
    private readonly schemes: readonly Scheme[],
    private readonly windows: readonly Batch[],
    private readonly calibration: readonly Batch[],
  ) {}

  async run(trainer: Trainer, step: number): Promise<void> {
    const q = await quantizeAndEvaluate(trainer.model, this.runId, "", this.schemes, this.windows, this.calibration);
    const losses = q.filter((r) => r.metric === "loss");
    if (!losses.length) return;
    this.rows.push({ run: this.runId, step, layer: -1, site: "float", metric: CHECKPOINT_LOSS, value: losses[0]!.floatValue! });
    for (const r of losses) this.rows.push({ run: this.runId, step, layer: -1, site: rowSchemeKey(r), metric: CHECKPOINT_DEGRADATION, value: r.degradationPct! });
  }
}

/** A claims plan's hash, the first part of its cells' ids (tagged, so no sweep spec can share it). */
export function claimsPlanHash(plan: ClaimsPlan): string {
  return contentId({ claimsPlan: plan });
}

/** The arms of `plan` grouped by model, in order of each model's first arm: the order cells are trained in. */
function armsByModel(plan: ClaimsPlan): Arm[] {
  const byModel = new Map<string, Arm[]>();
  for (const arm of plan.arms) {
    const k = JSON.stringify(arm.model);
    byModel.set(k, [...(byModel.get(k) ?? []), arm]);
  }
  return [...byModel.values()].flat();
}

/**
 * Every cell of a claims plan (arm × seed), in the order {@link runClaims} trains them: arms grouped
 * by model size, then seeds. Ids are `<plan hash>.<arm id>.<model size>.s<seed>`.
 */
export function claimsCells(plan: ClaimsPlan): SweepCell[] {
  return cellsOf(claimsPlanHash(plan), armsByModel(plan).flatMap((arm) => plan.seeds.map((seed) => ({ recipeLabel: arm.id, seed, model: arm.model }))));
}

/** An arm as a one-recipe sweep spec: what {@link runSweepCell} trains. */
function armSpec(plan: ClaimsPlan, arm: Arm): SweepSpec {
  return { model: arm.model, recipes: { [arm.id]: arm.recipe }, seeds: plan.seeds, schemes: plan.schemes, trackEvery: plan.trackEvery, evaluation: plan.evaluation, calibrationBatches: plan.calibrationBatches };
}

/**
 * The evaluation inputs of a plan's cells, one set per model size (windows depend on the context),
 * built on first use, deterministically from the plan and the data, so every machine evaluates each
 * cell on the same windows.
 */
export class ClaimsInputs {
  readonly #byModel = new Map<string, SweepInputs>();
  constructor(readonly plan: ClaimsPlan, readonly data: Dataset = builtinDataset()) {}

  of(arm: Arm): SweepInputs {
    const k = JSON.stringify(arm.model);
    let inputs = this.#byModel.get(k);
    if (!inputs) this.#byModel.set(k, (inputs = sweepInputs(armSpec(this.plan, arm), this.data)));
    return inputs;
  }
}

/**
 * Trains one cell of a claims plan (its arm, at its seed), tracking outliers and evaluating the
 * checkpoint schemes every `trackEvery` steps, then quantizes the final model with every scheme.
 * Returns the run's rows; a run stopped by `hooks.signal` comes back with status `stopped`.
 */
export async function runClaimsCell(plan: ClaimsPlan, cell: SweepCell, inputs: ClaimsInputs, hooks: SweepHooks = {}): Promise<SweepResult> {
  const arm = plan.arms.find((a) => a.id === cell.recipeLabel);
  if (!arm) throw new Error(`cell ${cell.id}: no arm '${cell.recipeLabel}' in the claims plan (its arms: ${plan.arms.map((a) => a.id).join(", ")})`);
  if (sizeLabel(arm.model) !== cell.size) throw new Error(`cell ${cell.id}: arm '${arm.id}' has model ${sizeLabel(arm.model)}, not ${cell.size}`);
  const data = inputs.of(arm);
  return runSweepCell(armSpec(plan, arm), arm.id, cell.seed, data, {
    ...hooks,
    stepHooks: (run) => plan.checkpointSchemes.length ? [new CheckpointEvaluator(run, plan.trackEvery, plan.checkpointSchemes, data.windows, data.calibration)] : [],
  });
}
