/**
 * Kernel-side shaping of the store's long-format Arrow tables: IPC encoding for the comm buffers
 * and the same series grouping the browser does, used for the static SVG fallback.
 * Only column names are assumed (see the README in widgets/), never the store's code.
 */
import { createRequire } from "node:module";
import { Table, tableFromArrays, tableToIPC } from "apache-arrow";
import { hasColumn, nums, strs, unique, values } from "./columns.js";
import type { Line } from "./svg.js";

const require = createRequire(import.meta.url);

/**
 * Arrow IPC stream bytes: what travels in a binary comm buffer.
 *
 * apache-arrow ships separate ESM and CommonJS builds, and notebook cells (compiled to `require`)
 * get the CommonJS one while this module gets the ESM one. Their classes differ, and the ESM
 * writer silently produces unreadable dictionary batches for a CommonJS table, so a table is
 * written by the build that made it (or, from any other copy, rebuilt column by column).
 */
export function toIPC(table: Table): Uint8Array {
  // Not `instanceof`: apache-arrow's Table.[Symbol.hasInstance] accepts any build's tables.
  const ctor = (Object.getPrototypeOf(table) as { constructor?: unknown } | null)?.constructor;
  if (ctor === Table) return tableToIPC(table, "stream");
  try {
    const cjs = require("apache-arrow") as typeof import("apache-arrow");
    if (ctor === cjs.Table) return cjs.tableToIPC(table as never, "stream");
  } catch {
    /* no CommonJS build reachable: rebuild below */
  }
  return tableToIPC(rebuildTable(table), "stream");
}

/** Copy a table from another apache-arrow instance into this one (plain values per column). */
export function rebuildTable(t: Table): Table {
  const cols: Record<string, unknown> = {};
  for (const f of t.schema.fields) {
    const c = t.getChild(f.name)!;
    const arr = c.nullCount === 0 ? c.toArray() : null;
    cols[f.name] = ArrayBuffer.isView(arr) && (arr as unknown as ArrayLike<unknown>).length === c.length
      ? arr
      : Array.from({ length: c.length }, (_, i) => c.get(i));
  }
  return tableFromArrays(cols as never) as unknown as Table;
}

export interface CurveSelection {
  x: string;
  series: string | string[];
  metric: string;
  y: "degradation_pct" | "value";
  xScale?: "linear" | "log" | "category";
}

export function seriesColumns(series: string | string[]): string[] {
  return (Array.isArray(series) ? series : series.split(",")).map((s) => s.trim()).filter(Boolean);
}

/** One line per series value, sorted by x, for the selected metric. Mirrors widgets/browser/degradation.ts. */
export function degradationLines(t: Table, sel: CurveSelection): { lines: Line[]; categorical: boolean } {
  const metric = strs(t, "metric");
  const xRaw = values(t, sel.x) ?? new Array(t.numRows).fill(null);
  const categorical = sel.xScale === "category" || xRaw.some((v) => typeof v === "string");
  const y = nums(t, sel.y);
  const sCols = seriesColumns(sel.series).filter((c) => hasColumn(t, c));
  const sVals = sCols.map((c) => strs(t, c));
  const groups = new Map<string, number[]>();
  for (let i = 0; i < t.numRows; i++) {
    if (hasColumn(t, "metric") && metric[i] !== sel.metric) continue;
    const key = sCols.length ? sVals.map((v) => v[i]).join(" / ") : "all";
    const g = groups.get(key) ?? [];
    g.push(i);
    groups.set(key, g);
  }
  const lines: Line[] = [];
  for (const [name, rows] of groups) {
    if (!categorical) rows.sort((a, b) => Number(xRaw[a]) - Number(xRaw[b]));
    lines.push({ name, x: rows.map((i) => (categorical ? String(xRaw[i]) : Number(xRaw[i]))), y: rows.map((i) => y[i]) });
  }
  return { lines, categorical };
}

const PREFERRED = [
  ["outlier_dims", "outlier_count", "n_outliers", "outliers"],
  ["max_kurtosis", "kurtosis"],
  ["max_abs", "max_inf_norm", "max_magnitude", "absmax", "inf_norm"],
];

/** Which trace metrics to draw: explicit list, else the outlier count / kurtosis / max-magnitude names present. */
export function pickMetrics(available: string[], requested?: string[]): string[] {
  if (requested && requested.length) return requested.filter((m) => available.includes(m));
  const out: string[] = [];
  for (const group of PREFERRED) {
    const hit = group.find((m) => available.includes(m));
    if (hit) out.push(hit);
  }
  return out.length ? out : available.slice(0, 3);
}

const isCount = (m: string) => /count|dims|n_outliers|^outliers$/.test(m);

/** Per metric, one line per run against step; layers/sites aggregated (counts summed, others max). */
export function outlierPanels(t: Table, metrics?: string[], layer = "all"): { metric: string; lines: Line[] }[] {
  const metric = strs(t, "metric");
  const run = hasColumn(t, "run") ? strs(t, "run") : new Array<string>(t.numRows).fill("run");
  const lay = strs(t, "layer");
  const step = nums(t, "step");
  const v = nums(t, "value");
  const chosen = pickMetrics(unique(metric), metrics);
  const acc = new Map<string, Map<number, number>>();
  for (let i = 0; i < t.numRows; i++) {
    if (!chosen.includes(metric[i])) continue;
    if (layer !== "all" && lay[i] !== layer) continue;
    const key = `${metric[i]}\u0000${run[i]}`;
    const m = acc.get(key) ?? new Map<number, number>();
    acc.set(key, m);
    const prev = m.get(step[i]);
    m.set(step[i], prev === undefined ? v[i] : isCount(metric[i]) ? prev + v[i] : Math.max(prev, v[i]));
  }
  return chosen.map((name) => ({
    metric: name,
    lines: unique(run).flatMap((r) => {
      const m = acc.get(`${name}\u0000${r}`);
      if (!m) return [];
      const xs = [...m.keys()].sort((a, b) => a - b);
      return [{ name: r, x: xs, y: xs.map((s) => m.get(s)!) }];
    }),
  }));
}

/** Layer x feature matrix (max over duplicates) from a (layer, feature, value) table. */
export function heatmapMatrix(t: Table): { layers: string[]; z: (number | null)[][] } {
  const layer = strs(t, "layer");
  const feature = nums(t, "feature");
  const v = nums(t, "value");
  const layers = unique(layer);
  const nf = feature.reduce((a, f) => Math.max(a, f + 1), 0);
  const z = layers.map(() => new Array<number | null>(nf).fill(null));
  for (let i = 0; i < t.numRows; i++) {
    const row = z[layers.indexOf(layer[i])];
    const p = row[feature[i]];
    row[feature[i]] = p == null ? v[i] : Math.max(p, v[i]);
  }
  return { layers, z };
}

/**
 * Build a (layer, feature, value) heat-map table from per-layer magnitude vectors, e.g. the
 * mean |activation| per feature of each layer's FFN input: `heatmapTable({ "L0": vec0, ... })`.
 */
export function heatmapTable(perLayer: Record<string, ArrayLike<number>>): Table {
  const layer: string[] = [];
  const feature: number[] = [];
  const value: number[] = [];
  for (const [name, vec] of Object.entries(perLayer)) {
    for (let j = 0; j < vec.length; j++) {
      layer.push(name);
      feature.push(j);
      value.push(Math.abs(vec[j]));
    }
  }
  return tableFromArrays({ layer, feature: Int32Array.from(feature), value: Float64Array.from(value) });
}

/** One long-format outlier-trace row (the shape src/track's tracker emits). */
export interface TraceRowLike {
  readonly run: string;
  readonly step: number;
  readonly layer: number | string;
  readonly site: string;
  readonly metric: string;
  readonly value: number;
}

/** Build an outlier-trace table from rows. */
export function traceTable(rows: readonly TraceRowLike[]): Table {
  const numericLayer = rows.every((r) => typeof r.layer === "number");
  return tableFromArrays({
    run: rows.map((r) => r.run),
    step: Float64Array.from(rows, (r) => r.step),
    layer: numericLayer ? Int32Array.from(rows, (r) => r.layer as number) : rows.map((r) => String(r.layer)),
    site: rows.map((r) => r.site),
    metric: rows.map((r) => r.metric),
    value: Float64Array.from(rows, (r) => r.value),
  } as never) as unknown as Table;
}

/** The rows of an outlier-trace table. */
export function traceRows(t: Table): TraceRowLike[] {
  const run = strs(t, "run"), site = strs(t, "site"), metric = strs(t, "metric");
  const step = nums(t, "step"), value = nums(t, "value");
  const layer = values(t, "layer") ?? new Array(t.numRows).fill(-1);
  return Array.from({ length: t.numRows }, (_, i) => ({
    run: run[i], step: step[i], layer: layer[i] as number | string, site: site[i], metric: metric[i], value: value[i],
  }));
}
