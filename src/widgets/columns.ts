/**
 * Plain-JS views of Arrow columns, shared by the kernel side (static fallbacks) and the browser
 * bundle (widgets/browser): no Node imports, only apache-arrow's `Table` type.
 */
import type { Table } from "apache-arrow";

/**
 * DegradationCurve's x column when none is chosen: `scheme`, which every row of the quant table
 * has (its `weight_bits` and `activation_bits` are null for float schemes).
 */
export const DEFAULT_CURVE_X = "scheme";

export function hasColumn(t: Table, name: string): boolean {
  return t.schema.fields.some((f) => f.name === name);
}

export function columnNames(t: Table): string[] {
  return t.schema.fields.map((f) => f.name);
}

/** Plain JS values of a column (bigint -> number); `null` if absent. */
export function values(t: Table, name: string): unknown[] | null {
  const c = t.getChild(name);
  if (!c) return null;
  const out = new Array<unknown>(c.length);
  for (let i = 0; i < c.length; i++) {
    const v = c.get(i);
    out[i] = typeof v === "bigint" ? Number(v) : v;
  }
  return out;
}

export function nums(t: Table, name: string): number[] {
  return (values(t, name) ?? new Array(t.numRows).fill(null)).map((v) => (v == null ? NaN : Number(v)));
}

export function strs(t: Table, name: string): string[] {
  return (values(t, name) ?? new Array(t.numRows).fill(null)).map((v) => (v == null ? "" : String(v)));
}

export function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
