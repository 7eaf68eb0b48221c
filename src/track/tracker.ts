import type { Batch } from "../data/batches.js";
import { evalBatches } from "../data/batches.js";
import type { StepHook, Trainer } from "../train/trainer.js";
import type { TraceRow } from "../tables/index.js";
import { measureOutliers, type MeasureOptions } from "./measure.js";

export interface TrackerOptions extends MeasureOptions {
  /** Measure every this many steps (and at step 0 when {@link OutlierTracker.measureNow} is called). */
  readonly every?: number;
  /** Calibration windows: fixed held-out batches so every measurement sees the same tokens. */
  readonly batches?: number;
  readonly batchSize?: number;
  /** Called with each new set of rows, e.g. to append them to a results store or a live widget. */
  readonly onRows?: (rows: TraceRow[]) => void | Promise<void>;
}

/**
 * Records outlier metrics during training: a {@link StepHook} that measures the model on fixed
 * held-out calibration batches every `every` steps and keeps the long-format rows.
 */
export class OutlierTracker implements StepHook {
  readonly every: number;
  readonly rows: TraceRow[] = [];
  private calibration: Batch[] | undefined;

  constructor(readonly runId: string, private readonly opts: TrackerOptions = {}) {
    this.every = opts.every ?? 100;
    if (!Number.isInteger(this.every) || this.every < 1) throw new Error(`tracker 'every' must be a positive integer, got ${this.every}`);
  }

  async run(trainer: Trainer, step: number): Promise<void> {
    this.calibration ??= evalBatches(trainer.data.heldOut, this.opts.batchSize ?? 4, trainer.model.config.context, this.opts.batches ?? 2);
    const rows = await measureOutliers(trainer.model, this.calibration, this.runId, step, this.opts);
    this.rows.push(...rows);
    await this.opts.onRows?.(rows);
  }

  /** Measures immediately (e.g. at step 0, before training). */
  measureNow(trainer: Trainer): Promise<void> {
    return this.run(trainer, trainer.step);
  }

  /** The latest value of a whole-model metric, if measured. */
  latest(metric: string): number | undefined {
    for (let i = this.rows.length - 1; i >= 0; i--) if (this.rows[i]!.metric === metric && this.rows[i]!.layer === -1) return this.rows[i]!.value;
    return undefined;
  }
}
