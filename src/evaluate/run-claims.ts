/**
 * Runs a claims plan in one process: trains every arm × seed (arms grouped by model), tracks
 * outliers, evaluates quantization at checkpoints on a reduced scheme set (for matched-loss
 * comparisons and the early-checkpoint claim), and quantizes each final model along the cliff axes.
 * Each run is one cell ({@link claimsCells}) run through the same {@link CellRunner} that queue
 * workers and array tasks use, so a store is the same whoever filled it. With a results store it
 * resumes: cells the store already holds are never trained again.
 */
import type { Dataset } from "../data/dataset.js";
import type { ResultsStore } from "../store/results.js";
import { readInCellOrder, storedCells, writeManifest } from "../sweep/collect.js";
import type { Experiment } from "../sweep/experiment.js";
import { CellRunner } from "../sweep/run-cell.js";
import type { StepInfo } from "../train/trainer.js";
import { claimsCells, type ClaimsPlan } from "./claims-cells.js";
import type { SweepResult } from "./sweep.js";

/** Total optimizer steps a plan trains. */
export function planSteps(plan: ClaimsPlan): number {
  return plan.arms.reduce((a, arm) => a + (arm.recipe.steps ?? 0), 0) * plan.seeds.length;
}

export interface RunClaimsOptions {
  /** Where runs are appended as they finish (as keyed cells), and read back from to resume. */
  readonly store?: ResultsStore;
  /** The plan's preset name, recorded in the store's manifest for people reading it. */
  readonly preset?: string;
  readonly signal?: AbortSignal;
  readonly onStep?: (run: string, info: StepInfo) => void | Promise<void>;
  /** Called after each run is stored (or, without a store, finished). */
  readonly onRun?: (run: string) => void | Promise<void>;
  readonly data?: Dataset;
}

/**
 * Trains and evaluates what the plan still lacks and returns every run's rows (read back from the
 * store when there is one, in the plan's order, so a resumed or distributed run returns the same
 * tables as an uninterrupted one). A run stopped by the signal is discarded, never stored half-done.
 */
export async function runClaims(plan: ClaimsPlan, opts: RunClaimsOptions = {}): Promise<SweepResult> {
  const experiment: Experiment = { kind: "claims", plan };
  const cells = claimsCells(plan);
  const store = opts.store ?? null;
  if (store) await writeManifest(store, experiment, opts.preset ?? null);
  const done = store ? await storedCells(store, experiment, cells) : new Set<string>();
  const runner = new CellRunner(experiment, store, opts.data);
  const fresh: SweepResult = { runs: [], metrics: [], traces: [], quant: [] };
  for (const cell of cells) {
    // Stop between runs, never inside one, so what is stored is always whole.
    if (opts.signal?.aborted) break;
    if (done.has(cell.id)) continue;
    const { rows, run } = await runner.run(cell, { signal: opts.signal, onStep: opts.onStep });
    if (run.status === "stopped") continue;
    if (!store) for (const key of ["runs", "metrics", "traces", "quant"] as const) (fresh[key] as unknown[]).push(...rows[key]);
    await opts.onRun?.(run.run);
  }
  return store ? readInCellOrder(store) : fresh;
}
