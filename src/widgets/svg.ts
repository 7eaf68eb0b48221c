/**
 * Dependency-free static renderings used as the `text/html` fallback of every widget, so a
 * notebook viewed with no widget manager (GitHub, plain nbconvert, an offline HTML export whose
 * scripts did not load) still shows the chart. Output is a few kB of inline SVG: no script, no
 * CDN, no network. Every piece of text goes through escapeHtml.
 */
import { escapeHtml } from "../display.js";

export interface Line {
  name: string;
  x: (number | string)[];
  y: number[];
}

export interface LineChartOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  /** Treat x as categories (e.g. quantization scheme names). */
  categorical?: boolean;
  logY?: boolean;
  logX?: boolean;
  width?: number;
  height?: number;
}

export const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/** Short numeric label. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(1);
  return Number(v.toPrecision(4)).toString();
}

function ticks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

/** A multi-series line chart as a standalone `<svg>` element string. */
export function lineChartSVG(lines: Line[], o: LineChartOptions = {}): string {
  const W = o.width ?? 640;
  const H = o.height ?? 300;
  const legendW = lines.length > 1 || (lines[0]?.name ?? "") !== "" ? 150 : 0;
  const m = { l: 62, r: 12 + legendW, t: o.title ? 28 : 12, b: 44 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const cats: string[] = [];
  if (o.categorical) for (const l of lines) for (const x of l.x) if (!cats.includes(String(x))) cats.push(String(x));
  const tx = (v: number) => (o.logX ? Math.log10(v) : v);
  const ty = (v: number) => (o.logY ? Math.log10(v) : v);
  const ok = (v: number, log?: boolean) => Number.isFinite(v) && (!log || v > 0);
  let xlo = Infinity, xhi = -Infinity, ylo = Infinity, yhi = -Infinity;
  for (const l of lines) {
    l.x.forEach((x, i) => {
      const y = l.y[i];
      if (!ok(y, o.logY)) return;
      const xv = o.categorical ? cats.indexOf(String(x)) : Number(x);
      if (!o.categorical && !ok(xv, o.logX)) return;
      const X = o.categorical ? xv : tx(xv);
      xlo = Math.min(xlo, X); xhi = Math.max(xhi, X);
      ylo = Math.min(ylo, ty(y)); yhi = Math.max(yhi, ty(y));
    });
  }
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11" class="qs-static-chart">`);
  parts.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  if (o.title) parts.push(`<text x="${m.l + pw / 2}" y="17" text-anchor="middle" font-size="13">${escapeHtml(o.title)}</text>`);
  if (!Number.isFinite(xlo)) {
    parts.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle" fill="#888">no data</text></svg>`);
    return parts.join("");
  }
  if (xhi === xlo) { xlo -= 0.5; xhi += 0.5; }
  if (yhi === ylo) { ylo -= Math.abs(ylo) * 0.1 || 0.5; yhi += Math.abs(yhi) * 0.1 || 0.5; }
  if (o.categorical) { xlo -= 0.3; xhi += 0.3; }
  const ypad = (yhi - ylo) * 0.05;
  ylo -= ypad; yhi += ypad;
  const sx = (X: number) => m.l + ((X - xlo) / (xhi - xlo)) * pw;
  const sy = (Y: number) => m.t + ph - ((Y - ylo) / (yhi - ylo)) * ph;
  // axes + grid
  parts.push(`<g stroke="#ddd">`);
  const yt = ticks(ylo, yhi);
  for (const t of yt) parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}"/>`);
  parts.push(`</g><g fill="#444">`);
  for (const t of yt) parts.push(`<text x="${m.l - 5}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end">${escapeHtml(o.logY ? fmt(10 ** t) : fmt(t))}</text>`);
  const xt = o.categorical ? cats.map((_, i) => i) : ticks(xlo, xhi);
  for (const t of xt) {
    const label = o.categorical ? cats[t] : o.logX ? fmt(10 ** t) : fmt(t);
    parts.push(`<text x="${sx(t).toFixed(1)}" y="${m.t + ph + 15}" text-anchor="middle">${escapeHtml(label)}</text>`);
  }
  parts.push(`</g>`);
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  if (o.xTitle) parts.push(`<text x="${m.l + pw / 2}" y="${H - 8}" text-anchor="middle" class="qs-xtitle">${escapeHtml(o.xTitle)}</text>`);
  if (o.yTitle) parts.push(`<text transform="translate(14 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle" class="qs-ytitle">${escapeHtml(o.yTitle)}</text>`);
  lines.forEach((l, k) => {
    const c = PALETTE[k % PALETTE.length];
    const pts: string[] = [];
    l.x.forEach((x, i) => {
      const y = l.y[i];
      if (!ok(y, o.logY)) return;
      const X = o.categorical ? cats.indexOf(String(x)) : tx(Number(x));
      if (!Number.isFinite(X)) return;
      pts.push(`${sx(X).toFixed(1)},${sy(ty(y)).toFixed(1)}`);
    });
    const title = escapeHtml(l.name);
    parts.push(`<g class="qs-series" data-name="${title}"><title>${title}</title>`);
    if (pts.length > 1) parts.push(`<polyline fill="none" stroke="${c}" stroke-width="1.6" points="${pts.join(" ")}"/>`);
    if (pts.length <= 60) for (const p of pts) { const [a, b] = p.split(","); parts.push(`<circle cx="${a}" cy="${b}" r="2.5" fill="${c}"/>`); }
    parts.push(`</g>`);
    if (legendW) {
      const ly = m.t + 6 + k * 16;
      if (ly < H - 10) parts.push(`<line x1="${W - legendW + 4}" x2="${W - legendW + 22}" y1="${ly}" y2="${ly}" stroke="${c}" stroke-width="2"/><text x="${W - legendW + 26}" y="${ly + 4}">${escapeHtml(l.name.length > 20 ? l.name.slice(0, 19) + "…" : l.name)}</text>`);
    }
  });
  parts.push(`</svg>`);
  return parts.join("");
}

/** Layer x feature heat map as SVG (viridis-like ramp). Rows are layers, columns features. */
export function heatmapSVG(rows: string[], z: (number | null)[][], o: { title?: string; width?: number } = {}): string {
  const nf = Math.max(0, ...z.map((r) => r.length));
  const W = o.width ?? 640;
  const m = { l: 62, r: 12, t: o.title ? 28 : 10, b: 28 };
  const cw = Math.max(0.5, (W - m.l - m.r) / Math.max(nf, 1));
  const ch = Math.min(24, Math.max(6, 200 / Math.max(rows.length, 1)));
  const H = m.t + m.b + ch * rows.length;
  let lo = Infinity, hi = -Infinity;
  for (const r of z) for (const v of r) if (v != null && Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const ramp = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"];
  const color = (v: number) => {
    const f = hi > lo ? (v - lo) / (hi - lo) : 0;
    return ramp[Math.min(ramp.length - 1, Math.floor(f * ramp.length))];
  };
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11" class="qs-static-heatmap">`];
  if (o.title) parts.push(`<text x="${W / 2}" y="17" text-anchor="middle" font-size="13">${escapeHtml(o.title)}</text>`);
  rows.forEach((name, i) => {
    const y = m.t + i * ch;
    parts.push(`<text x="${m.l - 4}" y="${(y + ch / 2 + 4).toFixed(1)}" text-anchor="end">${escapeHtml(name)}</text>`);
    z[i].forEach((v, j) => {
      if (v == null || !Number.isFinite(v)) return;
      parts.push(`<rect x="${(m.l + j * cw).toFixed(1)}" y="${y.toFixed(1)}" width="${cw.toFixed(2)}" height="${ch.toFixed(1)}" fill="${color(v)}"/>`);
    });
  });
  parts.push(`<text x="${m.l + (W - m.l - m.r) / 2}" y="${H - 8}" text-anchor="middle">feature (0–${Math.max(0, nf - 1)}); |activation| ${escapeHtml(fmt(lo))} – ${escapeHtml(fmt(hi))}</text></svg>`);
  return parts.join("");
}

/** A plain HTML table (first rows only) for TableView's fallback. */
export function htmlTable(columns: string[], rows: unknown[][], total: number): string {
  const cell = (v: unknown) => escapeHtml(typeof v === "number" ? fmt(v) : v == null ? "" : typeof v === "bigint" ? v.toString() : String(v));
  const head = columns.map((c) => `<th style="text-align:right;padding:2px 8px;border-bottom:1px solid #888">${escapeHtml(c)}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.map((v) => `<td style="text-align:right;padding:2px 8px">${cell(v)}</td>`).join("")}</tr>`).join("");
  const more = total > rows.length ? `<div style="color:#666;font-size:12px">showing ${rows.length} of ${total} rows</div>` : "";
  return `<table class="qs-static-table" style="border-collapse:collapse;font:12px sans-serif"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${more}`;
}
