import type { Renderer } from "./common.js";
import { renderDegradationCurve } from "./degradation.js";
import { renderOutlierTrace } from "./outliers.js";
import { renderTrainingMonitor } from "./monitor.js";
import { renderTableView } from "./table.js";

/** Widget kind (the kernel-side class name) -> renderer. */
export const RENDERERS: Record<string, Renderer> = {
  DegradationCurve: renderDegradationCurve,
  OutlierTrace: renderOutlierTrace,
  TrainingMonitor: renderTrainingMonitor,
  TableView: renderTableView,
};
