import { Table } from "apache-arrow";
import { join } from "node:path";
import { TABLE_DEFS, type CheckpointRow, type MetricRow, type QuantRow, type RunRow, type TableName, type TraceRow } from "../tables/index.js";
import { ArrowDataset, type CorruptPart, type ReadOptions } from "./arrow-dataset.js";
import { checkSchema, tableOf } from "./schemas.js";

/** Rows for any of the tables, as a sweep (or one of its runs) produces them. */
export interface ResultRows {
  readonly runs?: readonly RunRow[];
  readonly metrics?: readonly MetricRow[];
  readonly traces?: readonly TraceRow[];
  readonly quant?: readonly QuantRow[];
  readonly checkpoints?: readonly CheckpointRow[];
}

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
    await this.#append("runs", rows.map((r) => TABLE_DEFS.runs.record({ ...r, backend: this.backend })));
  }

  async appendMetrics(rows: readonly MetricRow[]): Promise<void> {
    await this.#append("metrics", rows.map(TABLE_DEFS.metrics.record));
  }

  async appendTraces(rows: readonly TraceRow[]): Promise<void> {
    await this.#append("traces", rows.map(TABLE_DEFS.traces.record));
  }

  async appendQuant(rows: readonly QuantRow[]): Promise<void> {
    await this.#append("quant", rows.map(TABLE_DEFS.quant.record));
  }

  async appendCheckpoints(rows: readonly CheckpointRow[]): Promise<void> {
    await this.#append("checkpoints", rows.map(TABLE_DEFS.checkpoints.record));
  }

  /** Appends every table's rows that `rows` holds (a sweep's result, or one of its runs), in table order. */
  async append(rows: ResultRows): Promise<void> {
    await this.appendRuns(rows.runs ?? []);
    await this.appendMetrics(rows.metrics ?? []);
    await this.appendTraces(rows.traces ?? []);
    await this.appendQuant(rows.quant ?? []);
    await this.appendCheckpoints(rows.checkpoints ?? []);
  }

  async #append(name: TableName, records: readonly Record<string, unknown>[]): Promise<void> {
    await this.dataset(name).append(tableOf(name, records));
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
