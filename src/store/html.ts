import type { Table } from "apache-arrow";
import { displaySymbol, escapeHtml, type Displayable, type MimeBundle } from "../display.js";
import type { Frame } from "./query.js";

function cell(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toPrecision(6);
  if (typeof v === "bigint" || typeof v === "boolean") return String(v);
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "object" && "toJSON" in (v as object)) return JSON.stringify(v, (_, x) => (typeof x === "bigint" ? Number(x) : x));
  return String(v);
}

function rowsOf(t: Table | Frame, limit: number): { names: string[]; rows: unknown[][]; total: number } {
  if ("schema" in t && "numRows" in t) {
    const table = t as Table;
    const names = table.schema.fields.map((f) => f.name);
    const rows: unknown[][] = [];
    for (let i = 0; i < Math.min(limit, table.numRows); i++) {
      const r = table.get(i)!;
      rows.push(names.map((n) => (r as unknown as Record<string, unknown>)[n]));
    }
    return { names, rows, total: table.numRows };
  }
  const f = t as Frame;
  const names = f.columnNames();
  return { names, rows: (f.objects({ limit }) as Record<string, unknown>[]).map((o) => names.map((n) => o[n])), total: f.numRows() };
}

/** An HTML table of the first `maxRows` rows and the shape, `N rows × M columns`, with every value escaped. */
export function tableToHTML(t: Table | Frame, { maxRows = 10 } = {}): string {
  const { names, rows, total } = rowsOf(t, maxRows);
  const head = names.map((n) => `<th>${escapeHtml(n)}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.map((v) => `<td>${escapeHtml(cell(v))}</td>`).join("")}</tr>`).join("\n");
  const more = total > rows.length ? `<tr><td colspan="${names.length}">… ${total - rows.length} more rows</td></tr>` : "";
  return `<table class="quantscope-table"><thead><tr>${head}</tr></thead><tbody>\n${body}${more}</tbody></table>\n<p>${total} rows × ${names.length} columns</p>`;
}

/** A plain-text rendering for terminals and `text/plain`. */
export function tableToText(t: Table | Frame, { maxRows = 10 } = {}): string {
  const { names, rows, total } = rowsOf(t, maxRows);
  const cells = [names, ...rows.map((r) => r.map(cell))];
  const widths = names.map((_, j) => Math.min(30, Math.max(...cells.map((r) => String(r[j]).length))));
  const line = (r: unknown[]) => r.map((v, j) => String(v).slice(0, 30).padEnd(widths[j]!)).join("  ");
  return [...cells.map(line), `${total} rows × ${names.length} columns`].join("\n");
}

/** Wraps an Arrow table or arquero frame so a notebook shows it as an HTML table (first rows + shape). */
export function show(t: Table | Frame, opts: { maxRows?: number } = {}): Displayable {
  return { [displaySymbol]: (): MimeBundle => ({ "text/html": tableToHTML(t, opts), "text/plain": tableToText(t, opts) }) };
}
