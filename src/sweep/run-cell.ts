import type { Dataset } from "../data/dataset.js";
import type { SweepHooks, SweepResult } from "../evaluate/sweep.js";
import type { ResultsStore } from "../store/results.js";
import type { RunRow } from "../tables/index.js";
import type { SweepCell } from "./cells.js";
import { CellTrainer, type Experiment } from "./experiment.js";

/** A cell's run: its rows, its `runs` row, and the seconds spent training + evaluating and writing to the store. */
export interface CellRun {
  readonly rows: SweepResult;
  readonly run: RunRow;
  readonly trainSeconds: number;
  readonly storeSeconds: number;
}

/**
 * Runs cells of one experiment (a sweep or a claims plan) into a store (or, with none, only returns
 * their rows), sharing the evaluation
 * inputs across them (built on first use, deterministically from the experiment, so every machine
 * evaluates on the same windows).
 */
export class CellRunner {
  readonly #trainer: CellTrainer;

  constructor(readonly experiment: Experiment, readonly store: ResultsStore | null, data?: Dataset) {
    this.#trainer = new CellTrainer(experiment, data);
  }

  get hash(): string {
    return this.#trainer.hash;
  }

  /**
   * Trains and evaluates `cell`, then appends its rows to the store under the cell's id (a second
   * run of the same cell replaces the first). A diverged run is stored too, with status `diverged`
   * and no quantization rows; a run stopped by `hooks.signal` is not stored (never half a run).
   */
  async run(cell: SweepCell, hooks: SweepHooks = {}): Promise<CellRun> {
    const t0 = performance.now();
    const rows = await this.#trainer.train(cell, hooks);
    const t1 = performance.now();
    const run = rows.runs[0]!;
    if (this.store && run.status !== "stopped") await this.store.appendCell(cell.id, rows);
    return { rows, run, trainSeconds: (t1 - t0) / 1000, storeSeconds: (performance.now() - t1) / 1000 };
  }
}
