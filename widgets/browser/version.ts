declare const __QS_VERSION__: string;
/** AMD module id / `_model_module` of every quantscope widget. */
export const MODULE_NAME = "quantscope-widgets";
/** Injected by widgets/build.mjs from package.json. */
export const MODULE_VERSION: string = typeof __QS_VERSION__ === "string" ? __QS_VERSION__ : "0.0.0";
