/**
 * Results-store throughput on a 1M-row `metrics` table, in rows/s, beside a plain apache-arrow
 * baseline measured in the same run, so the figures show what the store's guarantees cost:
 * - write: `ArrowDataset.append` (IPC file + temp file + fsync + rename + dir fsync) against
 *   `tableToIPC(table, "file")` + `writeFile` of the same prebuilt table;
 * - write from rows: `tableOf` (plain row objects → typed, validated columns) + append, against the
 *   same baseline — what a notebook pays when it hands the store plain objects;
 * - read: `ArrowDataset.read` (list parts, check magic, decode) against `readFile` + `tableFromIPC`,
 *   for the table as one part and as 10 parts of 100k rows (the shape appends produce).
 * `baseline_ratio` = store rows/s ÷ baseline rows/s. Each figure is the median of several repetitions.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Field, Float64, Schema, Table, Utf8, makeData, RecordBatch, Struct, tableFromIPC, tableToIPC, vectorFromArray } from "apache-arrow";
import { ArrowDataset } from "../src/store/arrow-dataset.js";
import { writeFileAtomic } from "../src/store/atomic.js";
import { QUANTSCOPE_VERSION, tableOf } from "../src/store/schemas.js";
import { median, timeMedianAsync } from "./timing.js";
import type { BenchRow } from "./types.js";

export interface StoreBenchOptions {
  /** Rows in the metrics table (default 1,000,000). */
  readonly rows?: number;
  /** Timed repetitions per case (default 9). */
  readonly reps?: number;
}

/**
 * Medians of two cases timed alternately, rep by rep, so both see the same background load (the
 * machine is shared) and the ratio compares like with like.
 */
async function timePaired(reps: number, base: () => Promise<unknown>, store: () => Promise<unknown>): Promise<[number, number]> {
  await base();
  await store();
  const b: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < reps; i++) {
    let t0 = performance.now();
    await base();
    b.push((performance.now() - t0) / 1000);
    t0 = performance.now();
    await store();
    s.push((performance.now() - t0) / 1000);
  }
  return [median(b), median(s)];
}

function metricRows(n: number, runs = 8): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({
    run: `recipe${i % runs}/seed0`, step: Math.floor(i / runs), loss: 3 - i * 1e-6, lr: 1e-3, grad_norm: 1 + (i % 7) * 0.1, tokens_per_s: 5000 + (i % 13),
  }));
}

/** Measures store write/read rows/s against a plain `tableToIPC`/`tableFromIPC` baseline. */
export async function benchStore(opts: StoreBenchOptions = {}): Promise<BenchRow[]> {
  const n = opts.rows ?? 1_000_000;
  const reps = opts.reps ?? 9;
  const dir = await mkdtemp(join(tmpdir(), "qs-bench-store-"));
  try {
    let rows: Record<string, unknown>[] | null = metricRows(n);
    const table = tableOf("metrics", rows);
    const plain = join(dir, "plain.arrow");
    let k = 0;
    const fresh = () => new ArrowDataset(join(dir, `w${k++}`));

    const [baseWrite, storeWrite] = await timePaired(reps, () => writeFile(plain, tableToIPC(table, "file")), () => fresh().append(table));
    const storeWriteRows = await timeMedianAsync(() => fresh().append(tableOf("metrics", rows!)), reps);
    // A million live row objects make every major GC slow, which would be charged to the reads below.
    rows = null;

    const one = new ArrowDataset(join(dir, "one"));
    await one.append(table);
    const ten = new ArrowDataset(join(dir, "ten"));
    const tenth = Math.ceil(n / 10);
    for (let p = 0; p < 10; p++) await ten.append(table.slice(p * tenth, Math.min(n, (p + 1) * tenth)));
    const check = (ds: ArrowDataset) => async () => {
      const { table: t } = await ds.read();
      if (t?.numRows !== n) throw new Error(`read ${t?.numRows} rows, expected ${n}`);
    };
    const baseReadFn = async () => tableFromIPC(await readFile(plain)).numRows;
    const [baseRead, storeRead1] = await timePaired(reps, baseReadFn, check(one));
    const [baseRead10, storeRead10] = await timePaired(reps, baseReadFn, check(ten));

    const row = (c: string, s: number, base: number | null): BenchRow => ({ bench: "store", case: c, value: n / s, unit: "rows/s", baseline_ratio: base === null ? null : base / s });
    return [
      row("baseline write: tableToIPC + writeFile", baseWrite, null),
      row("write: append prebuilt table (atomic)", storeWrite, baseWrite),
      row("write: tableOf(row objects) + append", storeWriteRows, baseWrite),
      row("baseline read: readFile + tableFromIPC", baseRead, null),
      row("read: dataset, 1 part", storeRead1, baseRead),
      row("read: dataset, 10 parts", storeRead10, baseRead10),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Bench rows as an Arrow table (BenchRow is not a results-store table, so it has its own small schema). */
function benchTable(rows: readonly BenchRow[]): Table {
  const fields = [new Field("bench", new Utf8()), new Field("case", new Utf8()), new Field("value", new Float64()), new Field("unit", new Utf8()), new Field("baseline_ratio", new Float64(), true)];
  const schema = new Schema(fields, new Map([["quantscope.schema", "bench"], ["quantscope.schema_version", "1"], ["quantscope.version", QUANTSCOPE_VERSION]]));
  const children = fields.map((f) => vectorFromArray(rows.map((r) => r[f.name as keyof BenchRow]) as never, f.type).data[0]!);
  return new Table([new RecordBatch(schema, makeData({ type: new Struct(fields), length: rows.length, nullCount: 0, children }))]);
}

if (import.meta.url === `file://${process.argv[1]}` || fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = await benchStore({ rows: Number(process.argv[2] ?? 1_000_000) });
  console.table(rows.map((r) => ({ ...r, value: Math.round(r.value), baseline_ratio: r.baseline_ratio === null ? null : +r.baseline_ratio.toFixed(3) })));
  const { mkdir } = await import("node:fs/promises");
  await mkdir("bench-results", { recursive: true });
  await writeFileAtomic("bench-results/store.arrow", tableToIPC(benchTable(rows), "file"));
  console.log("wrote bench-results/store.arrow");
}
