import { claimsCells, claimsPlanHash, ClaimsInputs, runClaimsCell, type ClaimsPlan } from "../evaluate/claims-cells.js";
import { runSweepCell, sweepInputs, type SweepHooks, type SweepInputs, type SweepResult, type SweepSpec } from "../evaluate/sweep.js";
import type { Dataset } from "../data/dataset.js";
import { specHash, sweepCells, type SweepCell } from "./cells.js";

/**
 * What can be distributed as cells: a plain sweep (recipes × seeds on one model) or the claims
 * experiment (arms with their own model sizes × seeds, with checkpoint evaluations). A job's
 * payload and a store's manifest carry it whole, so a worker needs no preset lookup.
 */
export type Experiment =
  | { readonly kind: "sweep"; readonly spec: SweepSpec }
  | { readonly kind: "claims"; readonly plan: ClaimsPlan };

/** The experiment's hash: the first part of every cell id. */
export function experimentHash(e: Experiment): string {
  return e.kind === "sweep" ? specHash(e.spec) : claimsPlanHash(e.plan);
}

/** Every cell of the experiment, in the order its one-process runner trains them. */
export function experimentCells(e: Experiment): SweepCell[] {
  return e.kind === "sweep" ? sweepCells(e.spec) : claimsCells(e.plan);
}

/**
 * Trains and evaluates cells of one experiment through its one per-cell code path ({@link
 * runSweepCell} or {@link runClaimsCell}), sharing the evaluation inputs across cells.
 */
export class CellTrainer {
  readonly hash: string;
  #sweepInputs: SweepInputs | undefined;
  #claimsInputs: ClaimsInputs | undefined;

  constructor(readonly experiment: Experiment, readonly data?: Dataset) {
    this.hash = experimentHash(experiment);
  }

  /** A cell's rows (not stored). */
  async train(cell: SweepCell, hooks: SweepHooks = {}): Promise<SweepResult> {
    if (!cell.id.startsWith(`${this.hash}.`)) throw new Error(`cell ${cell.id} does not belong to this ${this.experiment.kind === "sweep" ? "sweep" : "claims plan"} (hash ${this.hash})`);
    const e = this.experiment;
    if (e.kind === "sweep") return runSweepCell(e.spec, cell.recipeLabel, cell.seed, (this.#sweepInputs ??= sweepInputs(e.spec, this.data)), hooks);
    return runClaimsCell(e.plan, cell, (this.#claimsInputs ??= new ClaimsInputs(e.plan, this.data)), hooks);
  }
}
