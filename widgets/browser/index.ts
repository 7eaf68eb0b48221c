/**
 * The `quantscope-widgets` module for @jupyter-widgets managers (html-manager, the live test
 * page, anything that loads AMD modules through requirejs). Models are plain DOMWidgetModels
 * with defaults; each view delegates to a renderer shared with the anywidget (ESM) build.
 */
import { DOMWidgetModel, DOMWidgetView } from "@jupyter-widgets/base";
import type { Mounted } from "./common.js";
import { DEFAULT_CURVE_X, Plotly } from "./common.js";
import { RENDERERS } from "./renderers.js";
import { MODULE_NAME, MODULE_VERSION } from "./version.js";

export { MODULE_NAME, MODULE_VERSION, RENDERERS };

function modelFor(kind: string, defaults: Record<string, unknown>) {
  return class extends DOMWidgetModel {
    static model_name = `${kind}Model`;
    static model_module = MODULE_NAME;
    static model_module_version = MODULE_VERSION;
    static view_name = `${kind}View`;
    static view_module = MODULE_NAME;
    static view_module_version = MODULE_VERSION;
    override defaults() {
      return {
        ...super.defaults(),
        _model_name: `${kind}Model`,
        _model_module: MODULE_NAME,
        _model_module_version: MODULE_VERSION,
        _view_name: `${kind}View`,
        _view_module: MODULE_NAME,
        _view_module_version: MODULE_VERSION,
        data: null,
        title: "",
        ...defaults,
      };
    }
  };
}

function viewFor(kind: string) {
  return class extends DOMWidgetView {
    private mounted: Mounted | null = null;
    override render() {
      this.el.classList.add("quantscope-widget");
      this.mounted = RENDERERS[kind](this.model as never, this.el);
    }
    override processLuminoMessage(msg: { type: string }) {
      super.processLuminoMessage(msg as never);
      if (msg.type === "resize" || msg.type === "after-show" || msg.type === "after-attach") {
        for (const gd of Array.from(this.el.querySelectorAll(".js-plotly-plot"))) {
          try {
            Plotly.Plots.resize(gd);
          } catch {
            /* not drawn yet */
          }
        }
      }
    }
    override remove() {
      this.mounted?.dispose();
      this.mounted = null;
      return super.remove();
    }
  };
}

export const DegradationCurveModel = modelFor("DegradationCurve", {
  x: DEFAULT_CURVE_X, series: "run", metric: "", y: "degradation_pct", y_scale: "linear", x_scale: "linear",
});
export const DegradationCurveView = viewFor("DegradationCurve");
export const OutlierTraceModel = modelFor("OutlierTrace", { heatmap: null, layer: "all", y_scale: "linear", metrics: [] });
export const OutlierTraceView = viewFor("OutlierTrace");
export const TrainingMonitorModel = modelFor("TrainingMonitor", {
  step: 0, total: 0, eta_s: -1, elapsed_s: 0, status: "running", loss: null,
});
export const TrainingMonitorView = viewFor("TrainingMonitor");
export const TableViewModel = modelFor("TableView", { page: 0, page_size: 20, sort_by: "", sort_desc: false });
export const TableViewView = viewFor("TableView");
