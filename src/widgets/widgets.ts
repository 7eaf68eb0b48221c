/**
 * Kernel-side widget classes. Each is a {@link Widget} (src/jupyter/widget.ts) whose synced state
 * is built by ./state.ts: Arrow tables go to the browser as Arrow IPC bytes in binary comm
 * buffers (`data`, `heatmap`), never as JSON. Outside a kernel the state is kept locally and the
 * objects still render as static HTML (inline SVG) through the display protocol.
 */
import type { Table } from "apache-arrow";
import { Widget } from "../jupyter/widget.js";
import { toIPC, traceRows, traceTable, type TraceRowLike } from "./data.js";
import type { Snapshottable, WidgetSnapshot } from "./embed.js";
import { specFor, type WidgetKind } from "./spec.js";
import {
  decimate, degradationFallback, degradationState, monitorFallback, monitorState, outlierFallback, outlierState,
  tableFallback, tableState, type DegradationCurveOptions, type MonitorPoint, type OutlierTraceOptions, type State,
  type TableViewOptions, type TrainingMonitorOptions,
} from "./state.js";

/** Common plumbing: spec choice (quantscope-widgets AMD module or anywidget), snapshot for embedding. */
abstract class QuantscopeWidget<S extends State> extends Widget<S> implements Snapshottable {
  protected constructor(kind: WidgetKind, state: S) {
    const { spec, extra } = specFor(kind);
    super(spec, { ...extra, ...state } as S);
  }

  /** A copy of the current synced state (binary values as Uint8Array/DataView). */
  currentState(): State {
    return { ...this.state };
  }

  /** Model id, spec and state, for {@link embedHTML} / {@link writeEmbeddedPage}. */
  snapshot(): WidgetSnapshot {
    return { id: this.id, spec: this.spec, state: this.currentState() };
  }
}

// ------------------------------------------------------------------ DegradationCurve

export interface DegradationCurveState extends State {
  data: Uint8Array;
  x: string;
  series: string;
  metric: string;
  y: "degradation_pct" | "value";
  y_scale: "linear" | "log";
  x_scale: "linear" | "log" | "category";
  title: string;
}

/** A point clicked in the browser: its line (series label), x and y as drawn, and the data row behind it. */
export interface CurvePoint {
  readonly series: string;
  readonly x: number | string;
  readonly y: number;
  /** The table row the point was drawn from (int64 values as numbers), or null if the browser had none. */
  readonly row: Readonly<Record<string, string | number | boolean | null>> | null;
}

/**
 * Degradation % (or the raw metric) against scheme / bit width / a recipe column, one line per
 * series. The metric, y quantity, x column and axis scales can be changed in the browser; the
 * change is synced back, so `curve.metric` reads what the user picked.
 */
export class DegradationCurve extends QuantscopeWidget<DegradationCurveState> {
  #table: Table;

  constructor(table: Table, opts: DegradationCurveOptions = {}) {
    super("DegradationCurve", degradationState(table, opts) as DegradationCurveState);
    this.#table = table;
  }

  get table(): Table {
    return this.#table;
  }

  /** Replace the data (e.g. after more quantization runs finished). */
  setTable(table: Table): void {
    this.#table = table;
    this.set({ data: toIPC(table) } as Partial<DegradationCurveState>);
  }

  /** The metric shown (synced with the browser's selector). */
  get metric(): string {
    return String(this.get("metric"));
  }

  set metric(metric: string) {
    this.set({ metric } as Partial<DegradationCurveState>);
  }

  /**
   * Calls `fn` each time a point is clicked in a front end, like plotly FigureWidget's `on_click`,
   * e.g. to show the clicked scheme's per-layer SQNR in another widget. Returns an unsubscribe
   * function. An exception in `fn` is printed, never thrown into the kernel's message loop.
   */
  onClick(fn: (point: CurvePoint) => void): () => void {
    return this.onCustom((content) => {
      const c = content as { event?: unknown; point?: CurvePoint } | null;
      if (c?.event !== "click" || !c.point) return;
      try {
        fn(c.point);
      } catch (err) {
        console.error(`DegradationCurve.onClick handler failed: ${(err as Error)?.stack ?? err}`);
      }
    });
  }

  protected override fallbackHTML(): string {
    return degradationFallback(this.#table, this.currentState());
  }
}

// ------------------------------------------------------------------ OutlierTrace

export interface OutlierTraceState extends State {
  data: Uint8Array;
  heatmap: Uint8Array | null;
  metrics: string[];
  layer: string;
  y_scale: "linear" | "log";
  title: string;
  heatmap_title: string;
}

/**
 * Outlier-dimension count, kurtosis and max magnitude against training step (one line per run,
 * one panel per metric) and, when given, a layer x feature heat map of activation magnitude.
 */
export class OutlierTrace extends QuantscopeWidget<OutlierTraceState> {
  #table: Table;
  #heatmap: Table | undefined;

  /** `table` may also be an array of rows (possibly empty, to fill with {@link appendRows}). */
  constructor(table: Table | readonly TraceRowLike[], opts: OutlierTraceOptions = {}) {
    const t = Array.isArray(table) ? traceTable(table) : (table as Table);
    super("OutlierTrace", outlierState(t, opts) as OutlierTraceState);
    this.#table = t;
    this.#heatmap = opts.heatmap;
  }

  setTable(table: Table): void {
    this.#table = table;
    this.set({ data: toIPC(table) } as Partial<OutlierTraceState>);
  }

  /** The rows so far (kept once {@link appendRows} is used). */
  #rows: TraceRowLike[] | undefined;

  /**
   * Add rows as they are measured, e.g. from an outlier tracker:
   * `new OutlierTracker(run, { onRows: (rows) => trace.appendRows(rows) })`.
   */
  appendRows(rows: readonly TraceRowLike[]): void {
    this.#rows ??= traceRows(this.#table);
    this.#rows.push(...rows);
    this.setTable(traceTable(this.#rows));
  }

  setHeatmap(heatmap: Table): void {
    this.#heatmap = heatmap;
    this.set({ heatmap: toIPC(heatmap) } as Partial<OutlierTraceState>);
  }

  protected override fallbackHTML(): string {
    return outlierFallback(this.#table, this.#heatmap, this.currentState());
  }
}

// ------------------------------------------------------------------ TrainingMonitor

export interface TrainingMonitorState extends State {
  data: Uint8Array;
  step: number;
  total: number;
  loss: number | null;
  eta_s: number;
  elapsed_s: number;
  status: string;
  title: string;
}

/** The fields of the trainer's StepInfo the monitor reads. */
export interface StepInfoLike {
  readonly step: number;
  readonly loss: number;
  readonly lr: number;
  readonly totalSteps: number;
}

/** What a training loop reports each step. */
export interface MonitorUpdate {
  step: number;
  loss?: number;
  lr?: number;
  /** Outlier-dimension count, when measured this step. */
  outliers?: number;
  /** Total steps (may also be given once in the options). */
  total?: number;
}

/**
 * Live loss / lr / outlier count with a progress bar and ETA. `update()` is cheap to call every
 * step: points are recorded immediately, but the browser is sent at most one update per
 * `minIntervalMs` (>= 100 ms, i.e. <= 10 per second); a trailing timer (or `done()`) sends the last one.
 */
export class TrainingMonitor extends QuantscopeWidget<TrainingMonitorState> {
  readonly #points: MonitorPoint[] = [];
  readonly #now: () => number;
  readonly #interval: number;
  readonly #maxPoints: number;
  #t0 = -1;
  #last = -Infinity;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #dirty = false;
  #total: number;
  #title: string;
  #sends = 0;

  constructor(opts: TrainingMonitorOptions = {}) {
    super("TrainingMonitor", monitorState([], { total: opts.total, title: opts.title }) as TrainingMonitorState);
    this.#now = opts.now ?? (() => performance.now());
    this.#interval = Math.max(100, opts.minIntervalMs ?? 100);
    this.#maxPoints = Math.max(10, opts.maxPoints ?? 2000);
    this.#total = opts.total ?? 0;
    this.#title = opts.title ?? "";
  }

  /** Everything reported so far (not decimated). */
  get points(): readonly MonitorPoint[] {
    return this.#points;
  }

  /** How many updates went to the browser (for checking the throttle). */
  get sends(): number {
    return this.#sends;
  }

  /** Record one step; sends to the browser if the last send is >= minIntervalMs old. */
  update(u: MonitorUpdate): this {
    const t = this.#now();
    if (this.#t0 < 0) this.#t0 = t;
    if (u.total) this.#total = u.total;
    this.#points.push({ step: u.step, loss: u.loss, lr: u.lr, outliers: u.outliers, elapsed_s: (t - this.#t0) / 1000 });
    this.#dirty = true;
    if (t - this.#last >= this.#interval) this.flush();
    else if (!this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.flush();
      }, Math.max(0, this.#interval - (t - this.#last)));
      this.#timer.unref?.();
    }
    return this;
  }

  /** Send the pending state now (normally automatic). */
  flush(status = "running"): void {
    if (!this.#dirty && status === "running") return;
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#dirty = false;
    this.#last = this.#now();
    this.#sends++;
    this.set(monitorState(decimate(this.#points, this.#maxPoints), {
      total: this.#total,
      title: this.#title,
      status,
      eta_s: this.eta(),
    }) as Partial<TrainingMonitorState>);
  }

  /** Seconds left, from the average time per step so far; -1 when unknown. */
  eta(): number {
    const p = this.#points;
    if (p.length < 2 || !this.#total) return -1;
    const a = p[0], b = p[p.length - 1];
    const perStep = (b.elapsed_s! - a.elapsed_s!) / Math.max(1e-9, b.step - a.step);
    return Math.max(0, (this.#total - b.step) * perStep);
  }

  /**
   * A `Trainer` `onStep` callback feeding this monitor; with an outlier tracker, its latest
   * `outlier_dims` rides along: `await trainer.run({ onStep: mon.onStep(tracker), hooks: [tracker] })`.
   */
  onStep(tracker?: { latest(metric: string): number | undefined }): (info: StepInfoLike) => void {
    return (info) => {
      this.update({ step: info.step, loss: info.loss, lr: info.lr, total: info.totalSteps, outliers: tracker?.latest("outlier_dims") });
      if (info.step >= info.totalSteps) this.done();
    };
  }

  /** Mark the run finished (or failed) and send the final state. */
  done(status: "done" | "failed" | "stopped" = "done"): this {
    this.#dirty = true;
    this.flush(status);
    return this;
  }

  override close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    super.close();
  }

  protected override fallbackHTML(): string {
    return monitorFallback(this.#points, this.currentState());
  }
}

// ------------------------------------------------------------------ TableView

export interface TableViewState extends State {
  data: Uint8Array;
  page: number;
  page_size: number;
  sort_by: string;
  sort_desc: boolean;
}

/** An Arrow table, paged and sortable in the browser (page and sort order sync back). */
export class TableView extends QuantscopeWidget<TableViewState> {
  #table: Table;

  constructor(table: Table, opts: TableViewOptions = {}) {
    super("TableView", tableState(table, opts) as TableViewState);
    this.#table = table;
  }

  setTable(table: Table): void {
    this.#table = table;
    this.set({ data: toIPC(table), page: 0 } as Partial<TableViewState>);
  }

  protected override fallbackHTML(): string {
    return tableFallback(this.#table, this.currentState());
  }
}

// ------------------------------------------------------------------ one-liners

/**
 * `degradationCurve(results)` as the last line of a cell shows degradation % against scheme, one
 * line per run. `results` is any Arrow table with the quant table's columns (run, recipe_label,
 * scheme, weight_bits, activation_bits, granularity, metric, value, degradation_pct).
 *
 * @example
 * degradationCurve(results, { x: "weight_bits", series: "recipe_label", metric: "loss", yScale: "log" })
 */
export function degradationCurve(table: Table, opts: DegradationCurveOptions = {}): DegradationCurve {
  return new DegradationCurve(table, opts);
}

/**
 * `outlierTrace(traces)` shows outlier dims / kurtosis / max |activation| against step per run,
 * from a (run, step, layer, site, metric, value) table; pass `{ heatmap: heatmapTable(...) }`
 * for the layer x feature magnitude map.
 */
export function outlierTrace(table: Table | readonly TraceRowLike[], opts: OutlierTraceOptions = {}): OutlierTrace {
  return new OutlierTrace(table, opts);
}

/**
 * A live monitor, displayed immediately (pass `{ display: false }` to show it later):
 *
 * @example
 * const mon = trainingMonitor({ total: 200 });
 * for (let step = 1; step <= 200; step++) { const loss = trainStep(); mon.update({ step, loss, lr }); }
 * mon.done();
 */
export function trainingMonitor(opts: TrainingMonitorOptions & { display?: boolean } = {}): TrainingMonitor {
  const m = new TrainingMonitor(opts);
  if (opts.display ?? true) m.display();
  return m;
}

/** `tableView(table)` shows any Arrow table, 20 rows a page, click a header to sort. */
export function tableView(table: Table, opts: TableViewOptions = {}): TableView {
  return new TableView(table, opts);
}
