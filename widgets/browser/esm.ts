/**
 * anywidget entry (ESM): `export default { render }`. The kernel-side widget in anywidget mode
 * sets `_qs_kind` to pick the renderer, and `_esm` to a tiny shim that imports this file by URL,
 * so the multi-MB bundle is fetched (and cached) once instead of living in every widget's state.
 */
import type { ModelLike } from "./common.js";
import { RENDERERS } from "./renderers.js";
import { MODULE_VERSION } from "./version.js";

export { RENDERERS, MODULE_VERSION };

export default {
  render({ model, el }: { model: ModelLike; el: HTMLElement }) {
    const kind = String(model.get("_qs_kind"));
    const r = RENDERERS[kind];
    if (!r) {
      el.textContent = `quantscope-widgets: unknown widget kind ${kind}`;
      return;
    }
    el.classList.add("quantscope-widget");
    const m = r(model, el);
    return () => m.dispose();
  },
};
