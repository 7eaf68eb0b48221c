/**
 * Module identity of the front end and the two ways a front end can load it:
 * - "jupyter-widgets" (default): `_model_module: "quantscope-widgets"`, the AMD bundle in
 *   widgets/dist/quantscope-widgets.js, loaded by requirejs (html-manager, exported HTML, the
 *   live test page).
 * - "anywidget": `_model_module: "anywidget"` plus `_esm`, for JupyterLab / VS Code with the
 *   anywidget front end installed. `_esm` is a ~200-byte shim that imports the ES-module bundle
 *   by URL, so the multi-MB bundle never sits in a widget's saved state.
 */
import { QUANTSCOPE_VERSION } from "../package-root.js";

export const MODULE_NAME = "quantscope-widgets";

/** = package.json version; the AMD bundle reports the same number. */
export const MODULE_VERSION: string = QUANTSCOPE_VERSION;

/** Same shape as src/jupyter/widget.ts's WidgetSpec. */
export interface WidgetSpecLike {
  modelName: string;
  modelModule: string;
  modelModuleVersion: string;
  viewName: string;
  viewModule: string;
  viewModuleVersion: string;
}

export type WidgetKind = "DegradationCurve" | "OutlierTrace" | "TrainingMonitor" | "TableView";

export type Frontend = "jupyter-widgets" | "anywidget";

interface FrontendConfig {
  frontend: Frontend;
  esmUrl: string;
}

const config: FrontendConfig = {
  frontend: process.env.QUANTSCOPE_WIDGETS === "anywidget" ? "anywidget" : "jupyter-widgets",
  esmUrl:
    process.env.QUANTSCOPE_WIDGETS_ESM ??
    `https://cdn.jsdelivr.net/npm/quantscope@${MODULE_VERSION}/widgets/dist/quantscope-widgets.esm.js`,
};

/**
 * Choose how widgets created from now on are loaded by the front end.
 *
 * @example
 * // JupyterLab / VS Code with anywidget installed, notebook served by jupyter-server:
 * setWidgetFrontend("anywidget", { esmUrl: "/files/node_modules/quantscope/widgets/dist/quantscope-widgets.esm.js" });
 *
 * `esmUrl` may be absolute (`https://…`) or a server path (`/files/…`), resolved against the page.
 * Also settable with the env vars QUANTSCOPE_WIDGETS=anywidget and QUANTSCOPE_WIDGETS_ESM=<url>.
 */
export function setWidgetFrontend(frontend: Frontend, opts: { esmUrl?: string } = {}): void {
  config.frontend = frontend;
  if (opts.esmUrl) config.esmUrl = opts.esmUrl;
}

export function widgetFrontend(): Readonly<FrontendConfig> {
  return { ...config };
}

/** The `_esm` text for anywidget mode: a shim re-exporting the bundle fetched by URL. */
export function esmShim(url: string): string {
  return `const m = await import(new URL(${JSON.stringify(url)}, document.baseURI).href);\nexport default m.default;\n`;
}

/** Spec plus extra initial state for a widget kind under the current front-end choice. */
export function specFor(kind: WidgetKind, frontend: Frontend = config.frontend): { spec: WidgetSpecLike; extra: Record<string, unknown> } {
  if (frontend === "anywidget") {
    return {
      spec: {
        modelName: "AnyModel",
        modelModule: "anywidget",
        modelModuleVersion: "*",
        viewName: "AnyView",
        viewModule: "anywidget",
        viewModuleVersion: "*",
      },
      extra: { _esm: esmShim(config.esmUrl), _css: "", _anywidget_id: `quantscope.${kind}`, _qs_kind: kind },
    };
  }
  return {
    spec: {
      modelName: `${kind}Model`,
      modelModule: MODULE_NAME,
      modelModuleVersion: MODULE_VERSION,
      viewName: `${kind}View`,
      viewModule: MODULE_NAME,
      viewModuleVersion: MODULE_VERSION,
    },
    extra: { _qs_kind: kind },
  };
}
