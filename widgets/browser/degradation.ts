/**
 * DegradationCurve: degradation % (or the raw metric value) against scheme / bit width / a recipe
 * column, one line per series (recipe, run or model size). Metric, y quantity and axis scales
 * are selectable in the widget; selections are saved back to the kernel-side model.
 */
import {
  boundSelect, columnNames, decodeTable, DEFAULT_CURVE_X, draw, el, injectStyle, nums, PALETTE, purge, strs, unique, values,
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
  /** The table row behind each point. */
  rows: number[];
}

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
    if (!categorical) rows.sort((a, b) => Number(xRaw[a]) - Number(xRaw[b]));
    series.push({
      name,
      x: rows.map((i) => (categorical ? String(xRaw[i]) : Number(xRaw[i]))),
      y: rows.map((i) => (yName === "value" ? value[i] : degr[i])),
      value: rows.map((i) => value[i]),
      degradation: rows.map((i) => degr[i]),
      rows,
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
    const yTitle = yName === "value" ? `${metric || "metric"} (value)` : `degradation of ${metric || "metric"} (%)`;
    const traces = series.map((s, k) => ({
      type: "scatter",
      mode: "lines+markers",
      name: s.name,
      x: s.x,
      y: s.y,
      customdata: s.value.map((v, i) => [v, s.degradation[i]]),
      line: { color: PALETTE[k % PALETTE.length] },
      hovertemplate:
        `<b>${s.name}</b><br>${xName} = %{x}<br>${metric} = %{customdata[0]:.6g}` +
        `<br>degradation = %{customdata[1]:.4f}%<extra></extra>`,
    }));
    const xScale = String(model.get("x_scale") || "linear");
    draw(plot, traces, {
      title: { text: String(model.get("title") || "") },
      margin: { t: model.get("title") ? 40 : 16, r: 16, b: 48, l: 64 },
      xaxis: {
        title: { text: xName },
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
