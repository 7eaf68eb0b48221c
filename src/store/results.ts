import { Table } from "apache-arrow";
import { join } from "node:path";
import type { MetricRow, QuantRow, RunRow, SweepResult } from "../evaluate/sweep.js";
import type { TraceRow } from "../track/measure.js";
import { ArrowDataset, type CorruptPart, type ReadOptions } from "./dataset.js";
import { checkSchema, tableOf, type TableName } from "./schemas.js";

/** A checkpoint saved during a run (the `checkpoints` table). */
export interface CheckpointRow {
  readonly run: string;
  readonly step: number;
  readonly path: string;
  readonly bytes: number;
  readonly createdAt: Date;
}

export const TABLES: readonly TableName[] = ["runs", "metrics", "traces", "quant", "checkpoints"];

/**
 * A results folder with one Arrow dataset per table (`runs/`, `metrics/`, `traces/`, `quant/`,
 * `checkpoints/`). Every append is a new atomically written part, so results from a crashed or
 * concurrent session are never lost or corrupted; every read returns all parts as one table.
 * The files are plain Arrow IPC: pyarrow, polars or DuckDB open them directly.
 */
export class ResultsStore {
  constructor(readonly root: string, readonly backend = "unknown") {}

  dataset(name: TableName): ArrowDataset {
    return new ArrowDataset(join(this.root, name));
  }

  async appendRuns(rows: readonly RunRow[]): Promise<void> {
    await this.dataset("runs").append(tableOf("runs", rows.map((r) => ({
      run: r.run, recipe_label: r.recipeLabel, seed: r.seed, backend: this.backend, status: r.status, steps: r.steps,
      diverged_at: r.divergedAt, started_at: r.startedAt, finished_at: r.finishedAt,
      config: { vocab_size: r.config.vocabSize, d_model: r.config.dModel, n_layers: r.config.nLayers, n_heads: r.config.nHeads, d_mlp: r.config.dMlp, context: r.config.context },
      recipe: {
        steps: r.recipe.steps, batch_size: r.recipe.batchSize, lr: r.recipe.lr, warmup_steps: r.recipe.warmupSteps, decay: r.recipe.decay,
        min_lr_fraction: r.recipe.minLrFraction, weight_decay: r.recipe.weightDecay, decoupled: r.recipe.decoupled, decay_norms: r.recipe.decayNorms,
        decay_embeddings: r.recipe.decayEmbeddings, beta1: r.recipe.beta1, beta2: r.recipe.beta2, eps: r.recipe.eps,
        dropout_embedding: r.recipe.dropout.embedding, dropout_attention: r.recipe.dropout.attention, dropout_residual: r.recipe.dropout.residual,
        clip_norm: r.recipe.clipNorm, precision: r.recipe.precision, seed: r.recipe.seed,
      },
    }))));
  }

  async appendMetrics(rows: readonly MetricRow[]): Promise<void> {
    await this.dataset("metrics").append(tableOf("metrics", rows.map((r) => ({ run: r.run, step: r.step, loss: r.loss, lr: r.lr, grad_norm: r.gradNorm, tokens_per_s: r.tokensPerSec }))));
  }

  async appendTraces(rows: readonly TraceRow[]): Promise<void> {
    await this.dataset("traces").append(tableOf("traces", rows as unknown as Record<string, unknown>[]));
  }

  async appendQuant(rows: readonly QuantRow[]): Promise<void> {
    await this.dataset("quant").append(tableOf("quant", rows.map((r) => ({
      run: r.run, recipe_label: r.recipeLabel, scheme: r.scheme, weight_bits: r.weightBits, activation_bits: r.activationBits,
      granularity: r.granularity, metric: r.metric, layer: r.layer, site: r.site, value: r.value, float_value: r.floatValue, degradation_pct: r.degradationPct,
    }))));
  }

  async appendCheckpoints(rows: readonly CheckpointRow[]): Promise<void> {
    await this.dataset("checkpoints").append(tableOf("checkpoints", rows.map((r) => ({ run: r.run, step: r.step, path: r.path, bytes: r.bytes, created_at: r.createdAt }))));
  }

  /**
   * Appends everything a sweep (or one of its runs) produced. The `runs` rows go last: a run's row
   * there marks it complete, so a reader (and a resumed sweep) can ignore the rows of a run that was
   * interrupted mid-append.
   */
  async append(result: SweepResult): Promise<void> {
    await this.appendMetrics(result.metrics);
    await this.appendTraces(result.traces);
    await this.appendQuant(result.quant);
    await this.appendRuns(result.runs);
  }

  /** One table with every part of `name` (an empty table of the right schema when there is none). */
  async read(name: TableName, opts: ReadOptions = {}): Promise<Table> {
    return (await this.readWithReport(name, opts)).table;
  }

  /** Like {@link read}, also listing parts skipped as corrupt (with `onCorrupt: "skip"`). */
  async readWithReport(name: TableName, opts: ReadOptions = {}): Promise<{ table: Table; corrupt: CorruptPart[] }> {
    const { table, corrupt } = await this.dataset(name).read(opts);
    if (!table) return { table: tableOf(name, []), corrupt };
    checkSchema(table, name, this.dataset(name).dir);
    return { table, corrupt };
  }
}
