/**
 * quantscope widgets: plotly charts over Arrow tables, for the quantscope kernel.
 *
 * - {@link degradationCurve}, {@link outlierTrace}, {@link trainingMonitor}, {@link tableView}: one-liners.
 * - {@link embedHTML} / {@link writeEmbeddedPage}: offline HTML pages of widgets.
 * - {@link setWidgetFrontend}: "jupyter-widgets" (AMD module `quantscope-widgets`) or "anywidget" (ESM).
 */
// The Widget classes (./widgets.ts) are exported once src/jupyter/widget.ts (their base) lands.
export type { DegradationCurveOptions, OutlierTraceOptions, TrainingMonitorOptions, TableViewOptions, MonitorPoint } from "./state.js";
export { heatmapTable, toIPC } from "./data.js";
export { embedHTML, widgetState, writeEmbeddedPage, copyWidgetAssets, widgetsDist, type WidgetSnapshot } from "./embed.js";
export { MODULE_NAME, MODULE_VERSION, setWidgetFrontend, widgetFrontend, type Frontend } from "./spec.js";
export { lineChartSVG, heatmapSVG } from "./svg.js";
