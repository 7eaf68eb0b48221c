/**
 * DegradationCurve: degradation % (or the raw metric value) against scheme / bit width / a recipe
 * column, one line per series (recipe, run or model size). Metric, y quantity and axis scales
 * are selectable in the widget; selections are saved back to the kernel-side model.
 */
import {
  boundSelect, columnNames, decodeTable, DEFAULT_CURVE_X, draw, el, escapeHtml, injectStyle, nums, PALETTE, purge, strs, unique, values,
  type ModelLike, type Mounted,
} from "./common.js";
import type { Table } from "apache-arrow";

const NON_X = new Set(["value", "degradation_pct", "metric"]);

export interface CurveSeries {
  name: string;
  x: (number | string)[];
  y: number[];
  value: number[];
  degradation: number[];
  /** Sample standard deviation of y across the rows (seeds) sharing this x; 0 for a single row. */
  err: number[];
  /** Rows (seeds) averaged into each point. */
  n: number[];
  /** The first table row behind each point (the click-back reports it; a point may average several seeds' rows). */
  rows: number[];
}

const meanOf = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const stdOf = (v: number[]) => (v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - meanOf(v)) ** 2, 0) / (v.length - 1)) : 0);

function seriesColumns(model: ModelLike): string[] {
  const s = model.get("series");
  if (Array.isArray(s)) return s.map(String);
  return String(s || "run").split(",").map((c) => c.trim()).filter(Boolean);
}

/** Group the long table into plot series for the current selections (exported for tests). */
export function curveSeries(t: Table, model: ModelLike): { series: CurveSeries[]; categorical: boolean; metric: string } {
  const names = columnNames(t);
  const metrics = names.includes("metric") ? strs(t, "metric") : new Array(t.numRows).fill("");
  const metric = String(model.get("metric") || metrics[0] || "");
  const xName = String(model.get("x") || DEFAULT_CURVE_X);
  const xRaw = values(t, xName) ?? new Array(t.numRows).fill(null);
  const categorical = String(model.get("x_scale")) === "category" || xRaw.some((v) => typeof v === "string");
  const value = nums(t, "value");
  const degr = nums(t, "degradation_pct");
  const sCols = seriesColumns(model).filter((c) => names.includes(c));
  const sVals = sCols.map((c) => strs(t, c));
  const groups = new Map<string, number[]>();
  for (let i = 0; i < t.numRows; i++) {
    if (metrics[i] !== metric) continue;
    const key = sCols.length ? sVals.map((v) => v[i]).join(" / ") : "all";
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(i);
  }
  const yName = String(model.get("y") || "degradation_pct");
  const series: CurveSeries[] = [];
  for (const [name, rows] of groups) {
    // Rows sharing an x (seeds of one series) become one point: their mean, with the seed spread as an error bar.
    const atX = new Map<string, number[]>();
    for (const i of rows) {
      const k = String(xRaw[i]);
      const list = atX.get(k);
      if (list) list.push(i);
      else atX.set(k, [i]);
    }
    const points = [...atX.values()];
    if (!categorical) points.sort((a, b) => Number(xRaw[a[0]!]) - Number(xRaw[b[0]!]));
    const ys = points.map((p) => p.map((i) => (yName === "value" ? value[i] : degr[i])));
    series.push({
      name,
      x: points.map((p) => (categorical ? String(xRaw[p[0]!]) : Number(xRaw[p[0]!]))),
      y: ys.map(meanOf),
      value: points.map((p) => meanOf(p.map((i) => value[i]))),
      degradation: points.map((p) => meanOf(p.map((i) => degr[i]))),
      err: ys.map(stdOf),
      n: points.map((p) => p.length),
      rows: points.map((p) => p[0]!),
    });
  }
  return { series, categorical, metric };
}

/** Row `i` as plain JSON values (int64 as numbers), for the kernel's click handler. */
function rowJSON(t: Table, i: number): Record<string, string | number | boolean | null> {
  const row: Record<string, string | number | boolean | null> = {};
  for (const name of columnNames(t)) {
    const v: unknown = t.getChild(name)?.get(i);
    row[name] = typeof v === "bigint" ? Number(v) : v === undefined ? null : (v as string | number | boolean | null);
  }
  return row;
}

export function renderDegradationCurve(model: ModelLike, host: HTMLElement): Mounted {
  injectStyle();
  let table: Table | null = null;
  let drawn: CurveSeries[] = [];
  let clicksBound = false;
  // A click on a point goes to the kernel as {event: "click", point}: DegradationCurve.onClick there.
  const bindClicks = () => {
    const gd = plot as HTMLElement & { on?: (ev: string, fn: (e: { points?: { curveNumber: number; pointIndex: number; x: unknown; y: unknown }[] }) => void) => void };
    if (clicksBound || typeof gd.on !== "function") return;
    clicksBound = true;
    gd.on("plotly_click", (e) => {
      const p = e.points?.[0];
      const s = p ? drawn[p.curveNumber] : undefined;
      if (!p || !s || !table) return;
      const row = s.rows[p.pointIndex];
      model.send({ event: "click", point: { series: s.name, x: p.x, y: p.y, row: row === undefined ? null : rowJSON(table, row) } });
    });
  };
  const plot = el("div", { class: "qs-plot" });
  const root = el("div", { class: "qs-widget qs-degradation-curve" });
  const redraw = () => {
    if (!table) {
      plot.replaceChildren(el("div", { class: "qs-empty" }, ["no data"]));
      return;
    }
    const { series, categorical, metric } = curveSeries(table, model);
    drawn = series;
    const xName = String(model.get("x") || DEFAULT_CURVE_X);
    const yName = String(model.get("y") || "degradation_pct");
    const m = escapeHtml(metric || "metric");
    const yTitle = yName === "value" ? `${m} (value)` : `degradation of ${m} (%)`;
    const traces = series.map((s, k) => ({
      type: "scatter",
      // Lines only along an ordered axis (bits, steps, size); a list of scheme names gets markers.
      mode: categorical ? "markers" : "lines+markers",
      name: escapeHtml(s.name),
      x: categorical ? s.x.map(escapeHtml) : s.x,
      y: s.y,
      error_y: { type: "data", array: s.err, visible: s.n.some((n) => n > 1) },
      customdata: s.value.map((v, i) => [v, s.degradation[i], s.n[i]]),
      line: { color: PALETTE[k % PALETTE.length] },
      hovertemplate:
        `<b>${escapeHtml(s.name)}</b><br>${escapeHtml(xName)} = %{x}<br>${m} = %{customdata[0]:.6g}` +
        `<br>degradation = %{customdata[1]:.4f}% (mean of %{customdata[2]}, bar ±1 sd)<extra></extra>`,
    }));
    const xScale = String(model.get("x_scale") || "linear");
    draw(plot, traces, {
      title: { text: escapeHtml(model.get("title") || "") },
      margin: { t: model.get("title") ? 40 : 16, r: 16, b: 48, l: 64 },
      xaxis: {
        title: { text: escapeHtml(xName) },
        type: categorical ? "category" : xScale === "log" ? "log" : "linear",
        ...(xName.endsWith("_bits") && !categorical ? { dtick: xScale === "log" ? undefined : 1 } : {}),
      },
      yaxis: { title: { text: yTitle }, type: String(model.get("y_scale")) === "log" ? "log" : "linear" },
      hovermode: "closest",
      legend: { orientation: "v" },
    });
    bindClicks();
  };
  const metricOpts = () => (table && columnNames(table).includes("metric") ? unique(strs(table, "metric")) : []);
  const xOpts = () => (table ? columnNames(table).filter((c) => !NON_X.has(c)) : []);
  const selMetric = boundSelect(model, "metric", "metric", metricOpts, redraw);
  const selY = boundSelect(model, "y", "y", () => ["degradation_pct", "value"], redraw);
  const selX = boundSelect(model, "x", "x", xOpts, redraw);
  const selYScale = boundSelect(model, "y_scale", "y scale", () => ["linear", "log"], redraw);
  const selXScale = boundSelect(model, "x_scale", "x scale", () => ["linear", "log", "category"], redraw);
  const sels = [selMetric, selY, selX, selYScale, selXScale];
  root.append(el("div", { class: "qs-controls" }, sels.map((s) => s.root)), plot);
  host.append(root);

  const load = () => {
    table = decodeTable(model.get("data"));
    if (table && columnNames(table).includes("metric")) {
      // Show the first metric when none is picked or new data lacks the picked one (e.g. a linked
      // view switched to a weight-only scheme), without marking the model dirty.
      const metrics = strs(table, "metric");
      const first = metrics[0];
      if (first && !metrics.includes(String(model.get("metric") || ""))) model.set("metric", first);
    }
    sels.forEach((s) => s.refresh());
    redraw();
  };
  const onState = () => {
    sels.forEach((s) => s.refresh());
    redraw();
  };
  model.on("change:data", load);
  const attrs = ["metric", "x", "y", "series", "y_scale", "x_scale", "title"];
  for (const a of attrs) model.on(`change:${a}`, onState);
  // Plotly measures its container: draw once the element is attached.
  requestAnimationFrame(load);
  return {
    dispose() {
      model.off("change:data", load);
      for (const a of attrs) model.off(`change:${a}`, onState);
      purge(plot);
    },
  };
}
