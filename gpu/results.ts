import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { tableFromArrays, tableToIPC } from "apache-arrow";
import { writeFileAtomic } from "../src/store/atomic.js";

/** A value one gpu-check result cell may hold. */
export type Cell = string | number | boolean | null;
export type Row = Record<string, Cell>;

/**
 * The Arrow files gpu-check writes, one per stage plus the verdicts. The device tool brings back at
 * most 8 files from $OUT, so every result of a run fits in these five and the run log.
 */
export const RESULT_FILES = {
  env: "env.arrow",
  numeric: "numeric.arrow",
  parity: "parity.arrow",
  bench: "bench.arrow",
  targets: "targets.arrow",
} as const;

/**
 * Writes rows as an Arrow IPC file (atomically) and returns its path. Columns are the union of the
 * rows' keys; a column's type is inferred by apache-arrow from its non-null values (all of one JS
 * type per column), so a missing cell becomes a null.
 */
export async function writeRows(dir: string, file: string, rows: readonly Row[]): Promise<string> {
  if (rows.length === 0) throw new Error(`no rows to write to ${file}`);
  const names = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const columns: Record<string, readonly Cell[] | Float64Array> = {};
  for (const name of names) {
    const values = rows.map((r) => r[name] ?? null);
    const kinds = new Set(values.filter((x) => x !== null).map((x) => typeof x));
    if (kinds.size > 1) throw new Error(`column '${name}' of ${file} mixes ${[...kinds].join(" and ")} values`);
    // Numbers without nulls as Float64 explicitly: inference would pick Float64 too, but this keeps
    // integer-valued columns (step counts) from depending on the inference rules.
    columns[name] = kinds.has("number") && !values.includes(null) ? Float64Array.from(values as number[]) : values;
  }
  await mkdir(dir, { recursive: true });
  const path = join(dir, file);
  await writeFileAtomic(path, tableToIPC(tableFromArrays(columns), "file"));
  return path;
}
