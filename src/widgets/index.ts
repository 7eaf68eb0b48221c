/**
 * quantscope widgets: plotly charts over Arrow tables, for the quantscope kernel.
 *
 * - {@link degradationCurve}, {@link outlierTrace}, {@link trainingMonitor}, {@link tableView}: one-liners.
 * - {@link embedHTML} / {@link writeEmbeddedPage}: offline HTML pages of widgets.
 * - {@link setWidgetFrontend}: "jupyter-widgets" (AMD module `quantscope-widgets`) or "anywidget" (ESM).
 */
export {
  DegradationCurve, OutlierTrace, TrainingMonitor, TableView,
  degradationCurve, outlierTrace, trainingMonitor, tableView,
  type CurvePoint, type DegradationCurveState, type OutlierTraceState, type TrainingMonitorState, type TableViewState, type MonitorUpdate, type StepInfoLike,
} from "./widgets.js";
export type { DegradationCurveOptions, OutlierTraceOptions, TrainingMonitorOptions, TableViewOptions, MonitorPoint } from "./state.js";
export { heatmapTable, toIPC, traceTable, type TraceRowLike } from "./data.js";
export { embedHTML, widgetState, writeEmbeddedPage, copyWidgetAssets, widgetsDist, type WidgetSnapshot } from "./embed.js";
export { MODULE_NAME, MODULE_VERSION, setWidgetFrontend, widgetFrontend, type Frontend } from "./spec.js";
export { lineChartSVG, heatmapSVG } from "./svg.js";
