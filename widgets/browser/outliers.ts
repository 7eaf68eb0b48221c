/**
 * OutlierTrace: per-run lines of outlier-dimension count, kurtosis and max magnitude against
 * training step (one stacked panel per metric), plus a layer x feature heat map of activation
 * magnitude. Layer filter (or aggregate over layers) and y scale are selectable in the widget.
 */
import {
  boundSelect, columnNames, decodeTable, draw, el, escapeHtml, injectStyle, nums, PALETTE, purge, strs, unique,
  type ModelLike, type Mounted,
} from "./common.js";
import type { Table } from "apache-arrow";

/** Metric names tried, in order, when the model does not list `metrics` explicitly. */
const PREFERRED = [
  ["outlier_dims", "outlier_count", "n_outliers", "outliers"],
  ["max_kurtosis", "kurtosis"],
  ["max_abs", "max_inf_norm", "max_magnitude", "absmax", "inf_norm"],
];

export function pickMetrics(available: string[], requested: unknown): string[] {
  if (Array.isArray(requested) && requested.length) return requested.map(String).filter((m) => available.includes(m));
  const out: string[] = [];
  for (const group of PREFERRED) {
    const hit = group.find((m) => available.includes(m));
    if (hit) out.push(hit);
  }
  return out.length ? out : available.slice(0, 3);
}

/** Aggregation over layers/sites: counts add up, everything else takes the max. */
function isCount(metric: string): boolean {
  return /count|dims|n_outliers|^outliers$/.test(metric);
}

export function traceSeries(t: Table, model: ModelLike) {
  const names = columnNames(t);
  const metric = strs(t, "metric");
  const run = names.includes("run") ? strs(t, "run") : new Array(t.numRows).fill("run");
  const layer = names.includes("layer") ? strs(t, "layer") : new Array(t.numRows).fill("");
  const step = nums(t, "step");
  const value = nums(t, "value");
  const metrics = pickMetrics(unique(metric), model.get("metrics"));
  const layerSel = String(model.get("layer") || "all");
  // (metric, run) -> step -> aggregated value
  const acc = new Map<string, Map<number, number>>();
  for (let i = 0; i < t.numRows; i++) {
    if (!metrics.includes(metric[i])) continue;
    if (layerSel !== "all" && layer[i] !== layerSel) continue;
    const key = `${metric[i]}\u0000${run[i]}`;
    let m = acc.get(key);
    if (!m) acc.set(key, (m = new Map()));
    const prev = m.get(step[i]);
    const v = value[i];
    m.set(step[i], prev === undefined ? v : isCount(metric[i]) ? prev + v : Math.max(prev, v));
  }
  const runs = unique(run);
  const panels = metrics.map((mName) => ({
    metric: mName,
    lines: runs
      .map((r) => {
        const m = acc.get(`${mName}\u0000${r}`);
        if (!m) return null;
        const steps = [...m.keys()].sort((a, b) => a - b);
        return { run: r, x: steps, y: steps.map((s) => m.get(s)!) };
      })
      .filter((l): l is { run: string; x: number[]; y: number[] } => l !== null),
  }));
  return { panels, runs, layers: unique(layer).filter(Boolean) };
}

export function heatmapMatrix(t: Table) {
  const layer = strs(t, "layer");
  const feature = nums(t, "feature");
  const value = nums(t, "value");
  const layers = unique(layer);
  let nf = 0;
  for (const f of feature) if (f + 1 > nf) nf = f + 1;
  const z = layers.map(() => new Array<number | null>(nf).fill(null));
  for (let i = 0; i < t.numRows; i++) {
    const row = z[layers.indexOf(layer[i])];
    const prev = row[feature[i]];
    row[feature[i]] = prev == null ? value[i] : Math.max(prev, value[i]);
  }
  return { layers, features: nf, z };
}

export function renderOutlierTrace(model: ModelLike, host: HTMLElement): Mounted {
  injectStyle();
  let table: Table | null = null;
  let heat: Table | null = null;
  const plot = el("div", { class: "qs-plot qs-trace-plot" });
  const heatDiv = el("div", { class: "qs-plot qs-heatmap" });
  const root = el("div", { class: "qs-widget qs-outlier-trace" });
  let layers: string[] = [];

  const redraw = () => {
    if (!table) {
      plot.replaceChildren(el("div", { class: "qs-empty" }, ["no trace data"]));
    } else {
      const { panels, runs } = traceSeries(table, model);
      const n = Math.max(panels.length, 1);
      const gap = 0.06;
      const h = (1 - gap * (n - 1)) / n;
      const traces: unknown[] = [];
      const layout: Record<string, unknown> = {
        title: { text: escapeHtml(model.get("title") || "") },
        margin: { t: model.get("title") ? 40 : 16, r: 16, b: 48, l: 72 },
        height: 180 * n + 80,
        hovermode: "closest",
        showlegend: true,
      };
      const yScale = String(model.get("y_scale")) === "log" ? "log" : "linear";
      panels.forEach((p, k) => {
        const ax = k === 0 ? "" : String(k + 1);
        const top = 1 - k * (h + gap);
        layout[`yaxis${ax}`] = { title: { text: escapeHtml(p.metric) }, domain: [top - h, top], type: yScale, anchor: `x${ax}` };
        layout[`xaxis${ax}`] = {
          anchor: `y${ax}`,
          matches: k === 0 ? undefined : "x",
          showticklabels: k === n - 1,
          title: k === n - 1 ? { text: "step" } : undefined,
        };
        for (const line of p.lines) {
          const c = PALETTE[runs.indexOf(line.run) % PALETTE.length];
          traces.push({
            type: "scatter",
            mode: "lines+markers",
            name: escapeHtml(line.run),
            legendgroup: line.run,
            showlegend: k === 0,
            x: line.x,
            y: line.y,
            xaxis: `x${ax}`,
            yaxis: `y${ax}`,
            marker: { size: 4 },
            line: { color: c },
            hovertemplate: `<b>${escapeHtml(line.run)}</b><br>step %{x}<br>${escapeHtml(p.metric)} = %{y:.6g}<extra></extra>`,
          });
        }
      });
      draw(plot, traces, layout);
    }
    if (heat && heat.numRows > 0) {
      heatDiv.style.display = "";
      const { layers: hl, features, z } = heatmapMatrix(heat);
      draw(
        heatDiv,
        [{
          type: "heatmap",
          z,
          y: hl.map(escapeHtml),
          x: Array.from({ length: features }, (_, i) => i),
          colorscale: "Viridis",
          colorbar: { title: { text: "|activation|" } },
          hovertemplate: "layer %{y}<br>feature %{x}<br>|activation| = %{z:.6g}<extra></extra>",
        }],
        {
          title: { text: escapeHtml(model.get("heatmap_title") || "activation magnitude") },
          margin: { t: 40, r: 16, b: 48, l: 72 },
          height: Math.max(220, 28 * hl.length + 120),
          xaxis: { title: { text: "feature" } },
          yaxis: { title: { text: "layer" }, type: "category", autorange: "reversed" },
        },
      );
    } else {
      heatDiv.style.display = "none";
    }
  };
  const selLayer = boundSelect(model, "layer", "layer", () => ["all", ...layers], redraw);
  const selScale = boundSelect(model, "y_scale", "y scale", () => ["linear", "log"], redraw);
  root.append(el("div", { class: "qs-controls" }, [selLayer.root, selScale.root]), plot, heatDiv);
  host.append(root);
  const load = () => {
    table = decodeTable(model.get("data"));
    heat = decodeTable(model.get("heatmap"));
    layers = table ? traceSeries(table, model).layers : [];
    selLayer.refresh();
    selScale.refresh();
    redraw();
  };
  const onState = () => {
    selLayer.refresh();
    selScale.refresh();
    redraw();
  };
  model.on("change:data", load);
  model.on("change:heatmap", load);
  const attrs = ["layer", "y_scale", "metrics", "title"];
  for (const a of attrs) model.on(`change:${a}`, onState);
  requestAnimationFrame(load);
  return {
    dispose() {
      model.off("change:data", load);
      model.off("change:heatmap", load);
      for (const a of attrs) model.off(`change:${a}`, onState);
      purge(plot);
      purge(heatDiv);
    },
  };
}
