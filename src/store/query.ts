import * as aq from "arquero";
import { Table, vectorFromArray, type Vector } from "apache-arrow";
import { unifyDictionaries } from "./arrow-dataset.js";

/** An arquero table: filter, group, pivot and join with arquero's verbs (`aq.op` has the functions). */
export type Frame = ReturnType<typeof aq.fromArrow>;

/** Reads an Arrow table into arquero (zero-copy where arquero can). */
export function frame(table: Table): Frame {
  // arquero decodes every batch with one dictionary; per-part dictionaries would mislabel rows.
  return aq.fromArrow(unifyDictionaries(table) as never) as Frame;
}

/**
 * An Arrow table as a frame; a frame as it is. Told apart by shape, not `instanceof`: notebook
 * cells load apache-arrow's CommonJS build, whose `Table` is a different class from this module's.
 */
function asFrame(table: Table | Frame): Frame {
  return "schema" in table && "numRows" in table ? frame(table as Table) : (table as Frame);
}

function isBigIntColumn(f: Frame, name: string): boolean {
  for (let i = 0; i < f.numRows(); i++) {
    const v = f.get(name, i);
    if (v !== null && v !== undefined) return typeof v === "bigint";
  }
  return false;
}

/** Rows whose columns equal the given values, e.g. `where(quant, { metric: "loss", scheme_id: "w8a8-vector" })`. */
export function where(table: Table | Frame, equals: Record<string, string | number | null>): Frame {
  const f = asFrame(table);
  const keys = Object.keys(equals);
  for (const k of keys) if (!f.columnNames().includes(k)) throw new Error(`no column '${k}' (columns: ${f.columnNames().join(", ")})`);
  // int64 columns (step, bytes) arrive as bigint, and 10n !== 10: match a number to them as a bigint.
  const coerced = Object.fromEntries(keys.map((k) => {
    const v = equals[k];
    return [k, typeof v === "number" && Number.isInteger(v) && isBigIntColumn(f, k) ? BigInt(v) : v];
  }));
  return f.params({ equals: coerced }).filter(`(d, $) => ${keys.map((k) => `d[${JSON.stringify(k)}] === $.equals[${JSON.stringify(k)}]`).join(" && ") || "true"}`) as Frame;
}

/**
 * Long → wide, the shape most plots want: one row per `index` value, one column per `columns`
 * value, cells from `values` (mean when several rows share a cell).
 * E.g. `pivot(traces, "step", "metric", "value")`.
 */
export function pivot(table: Table | Frame, index: string | string[], columns: string, values: string): Frame {
  const f = asFrame(table);
  return f.groupby(index).pivot(columns, { value: `d => op.mean(d[${JSON.stringify(values)}])` }) as Frame;
}

/** Mean, standard deviation, min, max and count of `value` per group, e.g. across seeds. */
export function summarizeBy(table: Table | Frame, by: string | string[], value: string): Frame {
  const f = asFrame(table);
  const v = JSON.stringify(value);
  return f.groupby(by).rollup({
    mean: `d => op.mean(d[${v}])`, std: `d => op.stdev(d[${v}])`, min: `d => op.min(d[${v}])`, max: `d => op.max(d[${v}])`, n: "op.count()",
  }) as Frame;
}

/**
 * Back to an apache-arrow `Table` (for widgets and the store), one column at a time with
 * apache-arrow's own type inference (numbers → Float64, strings → dictionary, bigints → Int64).
 * Not arquero's `toArrow`: arquero 7 builds flechette tables, and apache-arrow 21 cannot read the
 * IPC bytes flechette writes for them.
 */
export function toArrow(f: Frame): Table {
  const columns: Record<string, Vector> = {};
  for (const name of f.columnNames()) columns[name] = vectorFromArray(Array.from(f.array(name) as ArrayLike<unknown>));
  return new Table(columns);
}

/** Alias of {@link frame}, under arquero's own name for the conversion. */
export const fromArrow = frame;
/** Alias of {@link where}. */
export const filterRows = where;
/** Alias of {@link summarizeBy}. */
export const groupSummary = summarizeBy;
