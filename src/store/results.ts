import { Table } from "apache-arrow";
import { join } from "node:path";
import { TABLE_DEFS, TABLES, type CheckpointRow, type MetricRow, type QuantRow, type RunRow, type TableName, type TraceRow } from "../tables/index.js";
import { ArrowDataset, partKey, type CorruptPart, type ReadOptions } from "./arrow-dataset.js";
import { checkSchema, tableOf } from "./schemas.js";
import type { RowOf } from "../tables/define.js";

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
 *
 * A sweep cell's rows go in through {@link appendCell}: one part per table named after the cell's
 * id, its `runs` part written last. Reads give exactly one result per cell: a second write of the
 * same cell replaces the first (same part name, atomic rename), and a cell's parts count only once
 * its `runs` part exists, so a writer killed midway leaves nothing that is read.
 */
export class ResultsStore {
  constructor(readonly root: string, readonly backend = "unknown") {}

  dataset(name: TableName): ArrowDataset {
    return new ArrowDataset(join(this.root, name));
  }

  async appendRuns(rows: readonly RunRow[]): Promise<void> {
    await this.#append("runs", this.#records("runs", rows));
  }

  async appendMetrics(rows: readonly MetricRow[]): Promise<void> {
    await this.#append("metrics", this.#records("metrics", rows));
  }

  async appendTraces(rows: readonly TraceRow[]): Promise<void> {
    await this.#append("traces", this.#records("traces", rows));
  }

  async appendQuant(rows: readonly QuantRow[]): Promise<void> {
    await this.#append("quant", this.#records("quant", rows));
  }

  async appendCheckpoints(rows: readonly CheckpointRow[]): Promise<void> {
    await this.#append("checkpoints", this.#records("checkpoints", rows));
  }

  /** Appends every table's rows that `rows` holds (a sweep's result, or one of its runs), in table order. */
  async append(rows: ResultRows): Promise<void> {
    for (const name of TABLES) await this.#append(name, this.#records(name, rows[name] ?? []));
  }

  /**
   * Appends one sweep cell's rows under its id (see the class comment): every other table first,
   * then `runs`, which marks the cell complete.
   */
  async appendCell(cellId: string, rows: ResultRows): Promise<void> {
    if (!rows.runs?.length) throw new Error(`cell ${cellId}: no runs row to append (a cell's runs row marks it complete)`);
    // The other tables' parts in parallel (their fsyncs overlap), then runs once they are all durable.
    await Promise.all(TABLES.filter((n) => n !== "runs").map((name) => this.#append(name, this.#records(name, rows[name] ?? []), cellId)));
    await this.#append("runs", this.#records("runs", rows.runs), cellId);
  }

  /** Ids of the cells whose rows are complete in the store (their `runs` part exists). */
  async cells(): Promise<Set<string>> {
    return new Set((await this.dataset("runs").parts()).map(partKey).filter((k): k is string => k !== null));
  }

  /** Rows as stored records; the store stamps `backend` on runs. */
  #records(name: TableName, rows: readonly unknown[]): Record<string, unknown>[] {
    if (name === "runs") return (rows as readonly RunRow[]).map((r) => TABLE_DEFS.runs.record({ ...r, backend: this.backend }));
    return rows.map((r) => (TABLE_DEFS[name].record as (row: unknown) => Record<string, unknown>)(r));
  }

  async #append(name: TableName, records: readonly Record<string, unknown>[], key?: string): Promise<void> {
    await this.dataset(name).append(tableOf(name, records), { key });
  }

  /** Every row of `name` as the row objects producers write (see {@link read} for which parts count). */
  async readRows<N extends TableName>(name: N, opts: ReadOptions = {}): Promise<RowOf<(typeof TABLE_DEFS)[N]>[]> {
    const table = await this.read(name, opts);
    const def = TABLE_DEFS[name] as unknown as { row: (r: Record<string, unknown>) => RowOf<(typeof TABLE_DEFS)[N]> };
    return [...table].map((r) => def.row((r as { toJSON(): Record<string, unknown> }).toJSON()));
  }

  /** One table with every part of `name` (an empty table of the right schema when there is none). */
  async read(name: TableName, opts: ReadOptions = {}): Promise<Table> {
    return (await this.readWithReport(name, opts)).table;
  }

  /** Like {@link read}, also listing parts skipped as corrupt (with `onCorrupt: "skip"`). */
  async readWithReport(name: TableName, opts: ReadOptions = {}): Promise<{ table: Table; corrupt: CorruptPart[] }> {
    const complete = await this.cells();
    const { table, corrupt } = await this.dataset(name).read(opts, (file) => {
      const key = partKey(file);
      return key === null || complete.has(key);
    });
    if (!table) return { table: tableOf(name, []), corrupt };
    checkSchema(table, name, this.dataset(name).dir);
    return { table, corrupt };
  }
}
