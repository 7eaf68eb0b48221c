/**
 * TrainingMonitor: live loss / lr / outlier-count panels against step, a progress bar and an
 * ETA line. The kernel side throttles updates (<= 10 per second); each update carries the whole
 * (small) history as Arrow IPC so a saved notebook re-renders the final state.
 */
import { columnNames, decodeTable, draw, el, injectStyle, nums, purge, type ModelLike, type Mounted } from "./common.js";
import type { Table } from "apache-arrow";

export function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return "–";
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

const PANELS: { col: string; title: string; color: string; log?: boolean }[] = [
  { col: "loss", title: "loss", color: "#1f77b4" },
  { col: "lr", title: "lr", color: "#ff7f0e" },
  { col: "outliers", title: "outlier dims", color: "#d62728" },
];

export function renderTrainingMonitor(model: ModelLike, host: HTMLElement): Mounted {
  injectStyle();
  const bar = el("div");
  const progress = el("div", { class: "qs-progress" }, [bar]);
  const status = el("div", { class: "qs-status" });
  const plot = el("div", { class: "qs-plot qs-monitor-plot" });
  const root = el("div", { class: "qs-widget qs-training-monitor" }, [status, progress, plot]);
  host.append(root);
  let table: Table | null = null;

  const drawStatus = () => {
    const total = Number(model.get("total") || 0);
    const step = Number(model.get("step") || 0);
    const frac = total > 0 ? Math.min(1, step / total) : 0;
    bar.style.width = `${(frac * 100).toFixed(1)}%`;
    const st = String(model.get("status") || "running");
    const eta = Number(model.get("eta_s"));
    const elapsed = Number(model.get("elapsed_s"));
    const loss = model.get("loss");
    const parts = [
      `${String(model.get("title") || "training")}: step ${step}${total ? ` / ${total}` : ""}`,
      total ? `${(frac * 100).toFixed(0)}%` : "",
      typeof loss === "number" ? `loss ${loss.toPrecision(4)}` : "",
      `elapsed ${formatDuration(elapsed)}`,
      st === "running" ? `ETA ${formatDuration(eta)}` : st,
    ];
    status.textContent = parts.filter(Boolean).join(" · ");
    status.setAttribute("data-status", st);
  };

  const drawPlot = () => {
    if (!table || table.numRows === 0) {
      if (!plot.firstChild) plot.append(el("div", { class: "qs-empty" }, ["waiting for the first step…"]));
      return;
    }
    const names = columnNames(table);
    // A quantity never reported (e.g. outliers without a tracker) gets no empty panel.
    const panels = PANELS.filter((p) => names.includes(p.col) && nums(table!, p.col).some(Number.isFinite));
    const step = nums(table, "step");
    const n = panels.length;
    const gap = 0.08;
    const h = (1 - gap * (n - 1)) / n;
    const layout: Record<string, unknown> = {
      margin: { t: 10, r: 16, b: 44, l: 64 },
      height: 130 * n + 70,
      showlegend: false,
      hovermode: "x",
      // keep the user's zoom while data streams in
      uirevision: "monitor",
    };
    const traces = panels.map((p, k) => {
      const ax = k === 0 ? "" : String(k + 1);
      const top = 1 - k * (h + gap);
      layout[`yaxis${ax}`] = { title: { text: p.title }, domain: [top - h, top], anchor: `x${ax}`, exponentformat: "e" };
      layout[`xaxis${ax}`] = {
        anchor: `y${ax}`,
        matches: k === 0 ? undefined : "x",
        showticklabels: k === n - 1,
        title: k === n - 1 ? { text: "step" } : undefined,
      };
      return {
        type: "scatter",
        mode: "lines",
        name: p.title,
        x: step,
        y: nums(table!, p.col),
        xaxis: `x${ax}`,
        yaxis: `y${ax}`,
        line: { color: p.color, width: 1.5 },
        hovertemplate: `step %{x}<br>${p.title} = %{y:.6g}<extra></extra>`,
      };
    });
    if (plot.querySelector(".qs-empty")) plot.replaceChildren();
    draw(plot, traces, layout);
  };

  const load = () => {
    table = decodeTable(model.get("data"));
    drawPlot();
    drawStatus();
  };
  model.on("change:data", load);
  const attrs = ["step", "total", "eta_s", "elapsed_s", "status", "loss", "title"];
  for (const a of attrs) model.on(`change:${a}`, drawStatus);
  drawStatus();
  requestAnimationFrame(load);
  return {
    dispose() {
      model.off("change:data", load);
      for (const a of attrs) model.off(`change:${a}`, drawStatus);
      purge(plot);
    },
  };
}
