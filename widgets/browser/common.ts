/**
 * Shared front-end helpers: a minimal model interface (satisfied both by a Backbone
 * `DOMWidgetModel` and by an anywidget model), Arrow IPC decoding and plotly access.
 */
import { tableFromIPC, type Table } from "apache-arrow";
// The cartesian partial bundle (scatter, bar, heatmap, …): 1.5 MB instead of the full 4.7 MB.
import PlotlyModule from "plotly.js-cartesian-dist-min";

// plotly.js dist bundles are UMD/CJS modules; esbuild's interop gives us module.exports.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const Plotly: any = PlotlyModule;

/** What a renderer needs from a widget model (Backbone model or anywidget model). */
export interface ModelLike {
  get(key: string): any;
  set(key: string, value: unknown): unknown;
  save_changes(): void;
  /** A `custom` message to the kernel-side widget (front-end events such as clicks). */
  send(content: unknown): void;
  on(event: string, cb: (...args: any[]) => void, ctx?: unknown): void;
  off(event?: string | null, cb?: ((...args: any[]) => void) | null, ctx?: unknown): void;
}

/** A mounted renderer; `dispose` detaches listeners and frees plotly. */
export interface Mounted {
  dispose(): void;
}

export type Renderer = (model: ModelLike, el: HTMLElement) => Mounted;

/** Turn whatever the manager handed us for a binary attribute into bytes. */
export function toBytes(v: unknown): Uint8Array | null {
  if (v == null) return null;
  if (v instanceof Uint8Array) return v;
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  return null;
}

/** Decode an Arrow IPC (stream or file) attribute; an empty/missing one gives `null`. */
export function decodeTable(v: unknown): Table | null {
  const bytes = toBytes(v);
  if (!bytes || bytes.byteLength === 0) return null;
  return tableFromIPC(bytes);
}

// Column helpers are shared with the kernel side's static fallbacks.
export { columnNames, DEFAULT_CURVE_X, hasColumn, nums, strs, unique, values } from "../../src/widgets/columns.js";
/**
 * Plotly renders titles, legend names, tick labels and hover text as a subset of HTML (links
 * included), so every user string handed to plotly goes through the helper the pages use; plotly
 * decodes the entities back and shows the text as written. DOM text is set with `textContent` / `append`.
 */
export { escapeHtml } from "../../src/display.js";

let styleInjected = false;
const CSS = `
.qs-widget{font:13px/1.35 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;max-width:100%}
.qs-controls{display:flex;gap:12px;flex-wrap:wrap;align-items:center;margin:4px 0 6px}
.qs-controls label{display:flex;gap:4px;align-items:center}
.qs-controls select{font:inherit;padding:1px 4px}
.qs-plot{width:100%;min-height:320px}
.qs-progress{height:10px;background:#e6e6e6;border-radius:5px;overflow:hidden;margin:4px 0}
.qs-progress>div{height:100%;background:#3b7dd8;transition:width .1s linear}
.qs-status{font-variant-numeric:tabular-nums}
.qs-table{border-collapse:collapse;font-variant-numeric:tabular-nums}
.qs-table th,.qs-table td{border-bottom:1px solid #ddd;padding:2px 8px;text-align:right;white-space:nowrap}
.qs-table th{cursor:pointer;user-select:none;background:#f5f5f5;position:sticky;top:0}
.qs-table th.qs-sorted-asc::after{content:" \\25B2"}
.qs-table th.qs-sorted-desc::after{content:" \\25BC"}
.qs-pager{display:flex;gap:8px;align-items:center;margin-top:4px}
.qs-empty{color:#888;font-style:italic;padding:8px}
`;

export function injectStyle(): void {
  if (styleInjected || typeof document === "undefined") return;
  styleInjected = true;
  const s = document.createElement("style");
  s.setAttribute("data-quantscope-widgets", "");
  s.textContent = CSS;
  document.head.appendChild(s);
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  children: (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

/** A labelled <select> bound two-way to a model attribute (browser change -> save_changes). */
export function boundSelect(
  model: ModelLike,
  attr: string,
  label: string,
  options: () => string[],
  onChange?: () => void,
): { root: HTMLElement; refresh(): void } {
  const select = el("select", { "data-attr": attr, class: `qs-select-${attr}` });
  const root = el("label", {}, [label, select]);
  const refresh = () => {
    const opts = options();
    const cur = String(model.get(attr) ?? "");
    select.replaceChildren(...opts.map((o) => el("option", { value: o }, [o])));
    if (opts.includes(cur)) select.value = cur;
    root.style.display = opts.length > 1 ? "" : "none";
  };
  select.addEventListener("change", () => {
    model.set(attr, select.value);
    model.save_changes();
    onChange?.();
  });
  refresh();
  return { root, refresh };
}

export const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

export const PLOT_CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["sendDataToCloud"] };

/** Plot into `div`: Plotly.react draws an empty div and updates a drawn one in place. */
export function draw(div: HTMLElement, data: unknown[], layout: Record<string, unknown>): void {
  Plotly.react(div, data, layout, PLOT_CONFIG);
}

export function purge(div: HTMLElement): void {
  try {
    Plotly.purge(div);
  } catch {
    /* already gone */
  }
}
