/**
 * Pure state builders and static fallbacks for the four widgets. The Widget subclasses in
 * widgets.ts only wire these to comms; tests and the HTML embedder use them directly.
 */
import { tableFromArrays, type Table } from "apache-arrow";
import { columnNames, DEFAULT_CURVE_X, hasColumn, strs, unique, values } from "./columns.js";
import { degradationLines, heatmapMatrix, outlierPanels, seriesColumns, toIPC } from "./data.js";
import { escapeHtml } from "../display.js";
import { heatmapSVG, htmlTable, lineChartSVG, type Line } from "./svg.js";

export type State = Record<string, unknown>;

// ---------------------------------------------------------------- DegradationCurve

export interface DegradationCurveOptions {
  /** x-axis column: "scheme" (default), "weight_bits", "activation_bits", "granularity" or any recipe column. */
  x?: string;
  /** Column(s) whose values make one line each: "run" (default), a recipe column, "model_size"… */
  series?: string | string[];
  /** Which `metric` rows to plot (default: the first metric in the table). */
  metric?: string;
  /** Plot `degradation_pct` (default) or the raw metric `value`. */
  y?: "degradation_pct" | "value";
  yScale?: "linear" | "log";
  xScale?: "linear" | "log" | "category";
  title?: string;
}

export function degradationState(table: Table, o: DegradationCurveOptions = {}): State {
  const metrics = hasColumn(table, "metric") ? unique(strs(table, "metric")) : [];
  const series = o.series ?? (hasColumn(table, "run") ? "run" : columnNames(table)[0] ?? "");
  return {
    data: toIPC(table),
    x: o.x ?? DEFAULT_CURVE_X,
    series: Array.isArray(series) ? series.join(",") : series,
    metric: o.metric ?? metrics[0] ?? "",
    y: o.y ?? "degradation_pct",
    y_scale: o.yScale ?? "linear",
    x_scale: o.xScale ?? "linear",
    title: o.title ?? "",
  };
}

export function degradationFallback(table: Table, s: State): string {
  const metric = String(s.metric);
  const y = s.y === "value" ? "value" : "degradation_pct";
  const { lines, categorical } = degradationLines(table, {
    x: String(s.x), series: seriesColumns(String(s.series)), metric, y, xScale: s.x_scale as "linear",
  });
  return figure(
    lineChartSVG(lines, {
      title: String(s.title || "") || undefined,
      xTitle: String(s.x),
      yTitle: y === "value" ? `${metric} (value)` : `degradation of ${metric} (%)`,
      categorical,
      logY: s.y_scale === "log",
      logX: s.x_scale === "log",
    }),
    "DegradationCurve",
  );
}

// ---------------------------------------------------------------- OutlierTrace

export interface OutlierTraceOptions {
  /** Metrics to stack (default: outlier dims, kurtosis and max magnitude names present in the table). */
  metrics?: string[];
  /** Layer to show, or "all" (aggregate: counts summed, other metrics max over layers/sites). */
  layer?: string | number;
  /** A (layer, feature, value) table of activation magnitudes for the heat map (see heatmapTable). */
  heatmap?: Table;
  yScale?: "linear" | "log";
  title?: string;
  heatmapTitle?: string;
}

export function outlierState(table: Table, o: OutlierTraceOptions = {}): State {
  return {
    data: toIPC(table),
    heatmap: o.heatmap ? toIPC(o.heatmap) : null,
    metrics: o.metrics ?? [],
    layer: o.layer === undefined ? "all" : String(o.layer),
    y_scale: o.yScale ?? "linear",
    title: o.title ?? "",
    heatmap_title: o.heatmapTitle ?? "activation magnitude (layer x feature)",
  };
}

export function outlierFallback(table: Table, heat: Table | undefined, s: State): string {
  const metrics = (s.metrics as string[] | undefined) ?? [];
  const panels = outlierPanels(table, metrics.length ? metrics : undefined, String(s.layer ?? "all"));
  const parts = panels.map((p) =>
    lineChartSVG(p.lines, { title: p.metric, xTitle: "step", yTitle: p.metric, height: 200, logY: s.y_scale === "log" }),
  );
  if (heat && heat.numRows > 0) {
    const { layers, z } = heatmapMatrix(heat);
    parts.push(heatmapSVG(layers, z, { title: String(s.heatmap_title || "activation magnitude") }));
  }
  return figure(parts.join("<br/>"), "OutlierTrace", s.title ? String(s.title) : undefined);
}

// ---------------------------------------------------------------- TrainingMonitor

export interface MonitorPoint {
  step: number;
  loss?: number;
  lr?: number;
  outliers?: number;
  /** Seconds since the monitor started (filled in by the monitor). */
  elapsed_s?: number;
}

/** Arrow table of the monitor history (step, loss, lr, outliers, elapsed_s; NaN where not reported). */
export function monitorTable(points: MonitorPoint[]): Table {
  const col = (k: keyof MonitorPoint) => Float64Array.from(points, (p) => (typeof p[k] === "number" ? (p[k] as number) : NaN));
  return tableFromArrays({
    step: Float64Array.from(points, (p) => p.step),
    loss: col("loss"),
    lr: col("lr"),
    outliers: col("outliers"),
    elapsed_s: col("elapsed_s"),
  });
}

/** Keep at most `max` points (evenly strided, always including the last) for the browser. */
export function decimate<T>(points: T[], max: number): T[] {
  if (points.length <= max) return points;
  const stride = Math.ceil(points.length / max);
  const out: T[] = [];
  for (let i = 0; i < points.length - 1; i += stride) out.push(points[i]);
  out.push(points[points.length - 1]);
  return out;
}

export interface TrainingMonitorOptions {
  /** Total steps (for the progress bar and ETA); can also come with each update. */
  total?: number;
  title?: string;
  /** Minimum milliseconds between browser updates (default and minimum 100, i.e. <= 10/s). */
  minIntervalMs?: number;
  /** Most points sent to the browser; longer histories are decimated (default 2000). */
  maxPoints?: number;
  /** Clock for tests (ms). */
  now?: () => number;
}

export function monitorState(points: MonitorPoint[], s: { total?: number; title?: string; status?: string; eta_s?: number; elapsed_s?: number } = {}): State {
  const last = points[points.length - 1];
  return {
    data: toIPC(monitorTable(points)),
    step: last?.step ?? 0,
    total: s.total ?? 0,
    loss: typeof last?.loss === "number" ? last.loss : null,
    eta_s: s.eta_s ?? -1,
    elapsed_s: s.elapsed_s ?? last?.elapsed_s ?? 0,
    status: s.status ?? "running",
    title: s.title ?? "",
  };
}

export function monitorFallback(points: MonitorPoint[], s: State): string {
  const panel = (key: "loss" | "lr" | "outliers", title: string): string | null => {
    const pts = points.filter((p) => typeof p[key] === "number" && Number.isFinite(p[key]));
    if (!pts.length) return null;
    const line: Line = { name: "", x: pts.map((p) => p.step), y: pts.map((p) => p[key] as number) };
    return lineChartSVG([line], { xTitle: "step", yTitle: title, height: 170 });
  };
  const total = Number(s.total || 0);
  const step = Number(s.step || 0);
  const pct = total ? Math.min(100, (100 * step) / total) : 0;
  const bar = `<div style="height:8px;background:#e6e6e6;border-radius:4px;max-width:640px"><div style="height:8px;width:${pct.toFixed(1)}%;background:#3b7dd8;border-radius:4px"></div></div>`;
  const status = `<div style="font:12px sans-serif">${escapeHtml(String(s.title || "training"))}: step ${step}${total ? ` / ${total}` : ""} · ${escapeHtml(String(s.status ?? ""))}${typeof s.loss === "number" ? ` · loss ${escapeHtml((s.loss as number).toPrecision(4))}` : ""}</div>`;
  const charts = [panel("loss", "loss"), panel("lr", "lr"), panel("outliers", "outlier dims")].filter(Boolean).join("<br/>");
  return figure(status + bar + charts, "TrainingMonitor");
}

// ---------------------------------------------------------------- TableView

export interface TableViewOptions {
  pageSize?: number;
  sortBy?: string;
  sortDesc?: boolean;
}

export function tableState(table: Table, o: TableViewOptions = {}): State {
  return { data: toIPC(table), page: 0, page_size: o.pageSize ?? 20, sort_by: o.sortBy ?? "", sort_desc: o.sortDesc ?? false };
}

export function tableFallback(table: Table, s: State, maxRows = 20): string {
  const cols = columnNames(table);
  const data = cols.map((c) => values(table, c) ?? []);
  const n = Math.min(table.numRows, maxRows, Number(s.page_size || maxRows));
  const rows = Array.from({ length: n }, (_, r) => data.map((c) => c[r]));
  return figure(htmlTable(cols, rows, table.numRows), "TableView");
}

function figure(inner: string, kind: string, caption?: string): string {
  const cap = caption ? `<div style="font:13px sans-serif;margin-bottom:4px">${escapeHtml(caption)}</div>` : "";
  return `<div class="quantscope-static" data-widget="${kind}" style="max-width:100%;overflow-x:auto">${cap}${inner}</div>`;
}
