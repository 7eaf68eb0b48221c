/**
 * JupyterLab 4 entry: registers the `quantscope-widgets` module (the `_model_module` /
 * `_view_module` the kernel sends, at the package version) with @jupyter-widgets/jupyterlab-manager,
 * as every prebuilt widget extension does. widgets/build.mjs bundles this file with esbuild and
 * @jupyterlab/builder turns it into the federated extension in widgets/dist/labextension/.
 */
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from "@jupyterlab/application";
import { IJupyterWidgetRegistry } from "@jupyter-widgets/base";
import * as widgets from "./index.js";
import { MODULE_NAME, MODULE_VERSION } from "./version.js";

const plugin: JupyterFrontEndPlugin<void> = {
  id: `${MODULE_NAME}:plugin`,
  description: "quantscope's plotly widgets (degradation curves, outlier traces, training monitor, tables) for its TypeScript kernel.",
  requires: [IJupyterWidgetRegistry],
  autoStart: true,
  activate(_app: JupyterFrontEnd, registry: IJupyterWidgetRegistry) {
    registry.registerWidget({ name: MODULE_NAME, version: MODULE_VERSION, exports: widgets as never });
  },
};

export default plugin;
