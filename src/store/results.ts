import { Table } from "apache-arrow";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { RowOf } from "../tables/define.js";
import { TABLE_DEFS, TABLES, type CheckpointRow, type MetricRow, type QuantRow, type RunRow, type SensitivityRow, type TableName, type TraceRow } from "../tables/index.js";
import { ArrowDataset, partKey, type CorruptPart, type ReadOptions } from "./arrow-dataset.js";
import { checkSchema, tableOf } from "./schemas.js";

/** Every table but `runs`, whose row is appended last because it marks a run (or cell) complete. */
const OTHER_TABLES = TABLES.filter((n) => n !== "runs");

/** A name that is one plain path segment (no `.`, `..`, separators, or empty): a mistyped table rather than a path. */
const WORD = /^[A-Za-z0-9_-]+$/;

/** Rows for any of the tables, as a sweep (or one of its runs) produces them. */
export interface ResultRows {
  readonly runs?: readonly RunRow[];
  readonly metrics?: readonly MetricRow[];
  readonly traces?: readonly TraceRow[];
  readonly quant?: readonly QuantRow[];
  readonly checkpoints?: readonly CheckpointRow[];
  readonly sensitivity?: readonly SensitivityRow[];
}

/**
 * A results folder with one Arrow dataset per table (`runs/`, `metrics/`, `traces/`, `quant/`,
 * `checkpoints/`). Every append is a new atomically written part, so results from a crashed or
 * concurrent session are never lost or corrupted; every read returns all parts as one table.
 * The files are plain Arrow IPC: pyarrow, polars or DuckDB open them directly. Each part's name
 * records a hash of its content, checked on every read, so a damaged part is reported rather than
 * read as different values (see part-name.ts). Parts are published by rename, so a store shared
 * between machines needs a filesystem where rename is atomic.
 *
 * A sweep cell's rows go in through {@link appendCell}: one part per table keyed by the cell's id,
 * its `runs` part written last. Reads give exactly one result per cell: a second write of the same
 * cell replaces the first, and a cell's parts count only once its `runs` part exists, so a writer
 * killed midway leaves nothing that is read.
 */
export class ResultsStore {
  readonly #datasets = new Map<TableName, ArrowDataset>();

  constructor(readonly root: string, readonly backend = "unknown") {}

  /**
   * The folder of Arrow parts holding table `name`. Only the results tables have one: any other
   * name is an error listing them (and the other folders the store holds), and one that is not a
   * single plain folder name (`..`, `a/b`, `""`) is refused as such, before it touches the filesystem.
   * The first read or append through it sweeps temporaries that crashed writers left there.
   */
  dataset(name: TableName): ArrowDataset {
    if (typeof name !== "string" || !WORD.test(name)) {
      throw new Error(`invalid table name ${JSON.stringify(name)}: a table name is a single folder name (letters, digits, '_' or '-'); tables: ${TABLES.join(", ")}`);
    }
    if (!Object.hasOwn(TABLE_DEFS, name)) {
      const others = this.#folders().filter((f) => !(TABLES as readonly string[]).includes(f));
      throw new Error(`no table '${name}' in the results store ${this.root}; tables: ${TABLES.join(", ")}`
        + (others.length ? `; other folders in the store: ${others.join(", ")}` : ""));
    }
    let ds = this.#datasets.get(name);
    if (!ds) this.#datasets.set(name, (ds = new ArrowDataset(join(this.root, name))));
    return ds;
  }

  #folders(): string[] {
    try {
      return readdirSync(this.root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    } catch {
      return [];
    }
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

  async appendSensitivity(rows: readonly SensitivityRow[]): Promise<void> {
    await this.#append("sensitivity", this.#records("sensitivity", rows));
  }

  /**
   * Appends every table's rows that `rows` holds (a sweep's result, or one of its runs). The `runs`
   * rows go last: a run's row there marks it complete, so a reader (and a resumed sweep) can ignore
   * the rows of a run that was interrupted mid-append.
   */
  async append(rows: ResultRows): Promise<void> {
    for (const name of OTHER_TABLES) await this.#append(name, this.#records(name, rows[name] ?? []));
    await this.#append("runs", this.#records("runs", rows.runs ?? []));
  }

  /**
   * Appends one sweep cell's rows under its id (see the class comment): every other table first,
   * then `runs`, which marks the cell complete.
   */
  async appendCell(cellId: string, rows: ResultRows): Promise<void> {
    if (!rows.runs?.length) throw new Error(`cell ${cellId}: no runs row to append (a cell's runs row marks it complete)`);
    // The other tables' parts in parallel (their fsyncs overlap), then runs once they are all durable.
    await Promise.all(OTHER_TABLES.map((name) => this.#append(name, this.#records(name, rows[name] ?? []), cellId)));
    await this.#append("runs", this.#records("runs", rows.runs), cellId);
  }

  /** Rows as the records `tableOf` takes, through each table's definition; the store stamps `backend` on runs. */
  #records(name: TableName, rows: readonly unknown[]): Record<string, unknown>[] {
    if (name === "runs") return (rows as readonly RunRow[]).map((r) => TABLE_DEFS.runs.record({ ...r, backend: this.backend }));
    const record = TABLE_DEFS[name].record as (row: unknown) => Record<string, unknown>;
    return rows.map((r) => record(r));
  }

  /** Ids of the cells whose rows are complete in the store (their `runs` part exists). */
  async cells(): Promise<Set<string>> {
    return new Set((await this.dataset("runs").parts()).map(partKey).filter((k): k is string => k !== null));
  }

  async #append(name: TableName, records: readonly Record<string, unknown>[], key?: string): Promise<void> {
    const table = tableOf(name, records);
    try {
      await this.dataset(name).append(table, { key });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw Object.assign(new Error(`cannot append ${records.length} rows to table '${name}': ${e.message}`, { cause: err }), { code: e.code });
    }
  }

  /**
   * One table with every part of `name`, under the table's current schema (its metadata: this
   * quantscope's version). A table nothing was appended to yet reads as zero rows of that schema.
   * Every part is checked (content hash, structure, table name, schema version and columns); one
   * that fails is an error naming its file, or with `onCorrupt: "skip"` is left out with a warning.
   */
  async read(name: TableName, opts: ReadOptions = {}): Promise<Table> {
    return (await this.readWithReport(name, opts)).table;
  }

  /** Every row of a table as the row objects producers append (camelCase keys, numbers, Dates), via its definition. */
  async readRows<N extends TableName>(name: N, opts: ReadOptions = {}): Promise<RowOf<(typeof TABLE_DEFS)[N]>[]> {
    const def = TABLE_DEFS[name];
    return (await this.read(name, opts)).toArray().map((r) => def.row((r as { toJSON(): Record<string, unknown> }).toJSON()) as RowOf<(typeof TABLE_DEFS)[N]>);
  }

  /** Like {@link read}, also listing parts skipped as corrupt (with `onCorrupt: "skip"`). */
  async readWithReport(name: TableName, opts: ReadOptions = {}): Promise<{ table: Table; corrupt: CorruptPart[] }> {
    const complete = await this.cells();
    // A keyed (cell) part counts only once its cell's runs part exists.
    const keep = (file: string) => {
      const key = partKey(file);
      return key === null || complete.has(key);
    };
    const { table, corrupt } = await this.dataset(name).read({ ...opts, check: (part) => checkSchema(part, name), keep });
    return { table: table ?? tableOf(name, []), corrupt };
  }
}
