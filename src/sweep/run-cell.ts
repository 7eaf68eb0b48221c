import type { RunRow } from "../tables/index.js";
import { runSweepCell, sweepInputs, type SweepHooks, type SweepInputs, type SweepSpec } from "../evaluate/sweep.js";
import type { ResultsStore } from "../store/results.js";
import { specHash, type SweepCell } from "./cells.js";

/** A cell's run: its `runs` row, and the seconds spent training + evaluating and writing to the store. */
export interface CellRun {
  readonly run: RunRow;
  readonly trainSeconds: number;
  readonly storeSeconds: number;
}

/**
 * Runs cells of one spec into a store, sharing the evaluation inputs across them (built on first
 * use, deterministically from the spec, so every machine evaluates on the same windows).
 */
export class CellRunner {
  #inputs: SweepInputs | undefined;
  readonly hash: string;

  constructor(readonly spec: SweepSpec, readonly store: ResultsStore) {
    this.hash = specHash(spec);
  }

  /**
   * Trains and evaluates `cell`, then appends its rows to the store under the cell's id (a second
   * run of the same cell replaces the first). Returns its `runs` row (a diverged run is stored too,
   * with status `diverged` and no quantization rows) and where the time went.
   */
  async run(cell: SweepCell, hooks: SweepHooks = {}): Promise<CellRun> {
    if (!cell.id.startsWith(`${this.hash}.`)) throw new Error(`cell ${cell.id} does not belong to this spec (hash ${this.hash})`);
    const t0 = performance.now();
    this.#inputs ??= sweepInputs(this.spec);
    const rows = await runSweepCell(this.spec, cell.recipeLabel, cell.seed, this.#inputs, hooks);
    const t1 = performance.now();
    await this.store.appendCell(cell.id, rows);
    return { run: rows.runs[0]!, trainSeconds: (t1 - t0) / 1000, storeSeconds: (performance.now() - t1) / 1000 };
  }
}
