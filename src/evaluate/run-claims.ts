/**
 * Runs a claims plan: trains every arm × seed (arms grouped by model, one sweep per model), tracks
 * outliers, evaluates quantization at checkpoints on a reduced scheme set (for matched-loss
 * comparisons and the early-checkpoint claim), and quantizes each final model along the cliff axes.
 * With a results store it resumes: runs the store already holds are never trained again.
 */
import { evalBatches, type Batch } from "../data/batches.js";
import { builtinDataset } from "../data/builtin.js";
import type { Dataset } from "../data/dataset.js";
import type { Scheme } from "../quantize/schemes.js";
import { readSweep } from "../store/read-sweep.js";
import type { ResultsStore } from "../store/results.js";
import type { TraceRow } from "../tables/index.js";
import type { StepHook, StepInfo, Trainer } from "../train/trainer.js";
import type { Arm } from "./claims.js";
import { CHECKPOINT_DEGRADATION, CHECKPOINT_LOSS } from "./claims.js";
import { rowSchemeKey } from "./cliff.js";
import { quantizeAndEvaluate, runSweep, type SweepResult, type SweepSpec } from "./sweep.js";

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

/** Total optimizer steps a plan trains. */
export function planSteps(plan: ClaimsPlan): number {
  return plan.arms.reduce((a, arm) => a + (arm.recipe.steps ?? 0), 0) * plan.seeds.length;
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

export interface RunClaimsOptions {
  /** Where runs are appended as they finish, and read back from to resume. */
  readonly store?: ResultsStore;
  readonly signal?: AbortSignal;
  readonly onStep?: (run: string, info: StepInfo) => void | Promise<void>;
  /** Called after each run is stored (or, without a store, finished). */
  readonly onRun?: (run: string) => void | Promise<void>;
  readonly data?: Dataset;
}

/**
 * Trains and evaluates what the plan still lacks and returns every run's rows (read back from the
 * store when there is one, so a resumed run returns the same tables as an uninterrupted one). A run
 * stopped by the signal is discarded, never stored half-done.
 */
export async function runClaims(plan: ClaimsPlan, opts: RunClaimsOptions = {}): Promise<SweepResult> {
  const data = opts.data ?? builtinDataset();
  const done = new Set(opts.store ? (await readSweep(opts.store)).runs.map((r) => r.run) : []);
  const fresh: SweepResult = { runs: [], metrics: [], traces: [], quant: [] };
  const byModel = new Map<string, Arm[]>();
  for (const arm of plan.arms) {
    const k = JSON.stringify(arm.model);
    byModel.set(k, [...(byModel.get(k) ?? []), arm]);
  }
  for (const arms of byModel.values()) {
    if (opts.signal?.aborted) break;
    const model = arms[0]!.model;
    const windows = evalBatches(data.heldOut, plan.evaluation.batchSize, model.context, plan.evaluation.batches);
    const calibration = evalBatches(data.train, plan.evaluation.batchSize, model.context, plan.calibrationBatches);
    const spec: SweepSpec = {
      model, recipes: Object.fromEntries(arms.map((a) => [a.id, a.recipe])), seeds: plan.seeds, schemes: plan.schemes,
      trackEvery: plan.trackEvery, evaluation: plan.evaluation, calibrationBatches: plan.calibrationBatches,
    };
    await runSweep(spec, {
      signal: opts.signal,
      skipRun: (run) => done.has(run),
      stepHooks: (run) => plan.checkpointSchemes.length ? [new CheckpointEvaluator(run, plan.trackEvery, plan.checkpointSchemes, windows, calibration)] : [],
      onStep: opts.onStep,
      onRun: async (rows) => {
        if (rows.runs.some((r) => r.status === "stopped")) return;
        if (opts.store) await opts.store.append(rows);
        else for (const key of ["runs", "metrics", "traces", "quant"] as const) (fresh[key] as unknown[]).push(...rows[key]);
        await opts.onRun?.(rows.runs[0]!.run);
        // Stop between runs, never inside one, so what is stored is always whole.
      },
    }, data);
  }
  return opts.store ? readSweep(opts.store) : fresh;
}

