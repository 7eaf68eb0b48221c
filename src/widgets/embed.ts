/**
 * Standalone HTML for widgets with no kernel and no network: the
 * `application/vnd.jupyter.widget-state+json` format of @jupyter-widgets/html-manager, rendered
 * by local copies of require.js + embed-amd.js + quantscope-widgets.js (widgets/dist/).
 */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../package-root.js";
import type { WidgetSpecLike } from "./spec.js";
import { escapeHtml } from "../display.js";

export interface WidgetSnapshot {
  id: string;
  spec: WidgetSpecLike;
  state: Record<string, unknown>;
}

/** Something that can give a snapshot (every quantscope widget). */
export interface Snapshottable {
  snapshot(): WidgetSnapshot;
}

function binary(v: unknown): Uint8Array | null {
  if (v instanceof Uint8Array) return v;
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  return null;
}

/** The widget-state document (schema v2) for the given widgets; binary values become base64 buffers. */
export function widgetState(widgets: (WidgetSnapshot | Snapshottable)[]) {
  const state: Record<string, unknown> = {};
  for (const w of widgets) {
    const s = "snapshot" in w ? w.snapshot() : w;
    const json: Record<string, unknown> = {
      _model_name: s.spec.modelName,
      _model_module: s.spec.modelModule,
      _model_module_version: s.spec.modelModuleVersion,
      _view_name: s.spec.viewName,
      _view_module: s.spec.viewModule,
      _view_module_version: s.spec.viewModuleVersion,
    };
    const buffers: { path: string[]; data: string; encoding: "base64" }[] = [];
    for (const [k, v] of Object.entries(s.state)) {
      const b = binary(v);
      if (b) buffers.push({ path: [k], data: Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64"), encoding: "base64" });
      else json[k] = v;
    }
    state[s.id] = {
      model_name: s.spec.modelName,
      model_module: s.spec.modelModule,
      model_module_version: s.spec.modelModuleVersion,
      state: json,
      ...(buffers.length ? { buffers } : {}),
    };
  }
  return { version_major: 2, version_minor: 0, state };
}

export interface EmbedOptions {
  /** URL prefix of require.js / embed-amd.js / quantscope-widgets.js (default: beside the page). */
  assets?: string;
  title?: string;
  /** Per-widget heading shown above each view. */
  captions?: string[];
  /**
   * HTML placed after the title and before the widgets (a report's text and tables). It is inserted as
   * is: whoever builds it escapes every piece of user text in it with escapeHtml.
   */
  intro?: string;
}

/**
 * JSON that can sit inside a `<script>` element: no "<" can close the element or open a comment
 * (`</script>`, `<!--` in a user's title or label), and the parsed value is unchanged.
 */
function scriptJSON(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

/** A complete HTML page that renders the widgets offline. */
export function embedHTML(widgets: (WidgetSnapshot | Snapshottable)[], o: EmbedOptions = {}): string {
  const a = escapeHtml(o.assets ?? "");
  const doc = widgetState(widgets);
  const ids = Object.keys(doc.state);
  const views = ids
    .map((id, i) => {
      const cap = o.captions?.[i] ? `<h3>${escapeHtml(o.captions[i])}</h3>\n` : "";
      return `<section class="qs-embed" data-model-id="${escapeHtml(id)}">\n${cap}<script type="application/vnd.jupyter.widget-view+json">${scriptJSON({ model_id: id, version_major: 2, version_minor: 0 })}</script>\n</section>`;
    })
    .join("\n");
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(o.title ?? "quantscope widgets")}</title>
<script src="${a}require.js"></script>
<script>requirejs.config({ paths: { "quantscope-widgets": ${scriptJSON((o.assets ?? "") + "quantscope-widgets")} } });</script>
<script src="${a}embed-amd.js" data-jupyter-widgets-cdn="${a}"></script>
<script type="application/vnd.jupyter.widget-state+json">${scriptJSON(doc)}</script>
<style>body{font-family:system-ui,sans-serif;margin:16px;max-width:980px}</style>
</head><body>
${o.title ? `<h2>${escapeHtml(o.title)}</h2>` : ""}
${o.intro ?? ""}
${views}
</body></html>
`;
}

/** widgets/dist of this package (built by `npm run build`). */
export function widgetsDist(): string {
  const dist = join(packageRoot(), "widgets", "dist");
  if (!existsSync(join(dist, "quantscope-widgets.js"))) throw new Error(`${dist}/quantscope-widgets.js not found: run \`npm run build\``);
  return dist;
}

export const EMBED_ASSETS = ["require.js", "embed-amd.js", "quantscope-widgets.js"] as const;

/** Copy the three scripts a page needs into `dir` (for exported HTML: put them beside the .html). */
export function copyWidgetAssets(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const src = widgetsDist();
  for (const f of EMBED_ASSETS) copyFileSync(join(src, f), join(dir, f));
}

/** Write `<dir>/<name>` rendering the widgets, plus its scripts; returns the HTML path. */
export function writeEmbeddedPage(dir: string, widgets: (WidgetSnapshot | Snapshottable)[], o: EmbedOptions & { name?: string } = {}): string {
  copyWidgetAssets(dir);
  const file = join(dir, o.name ?? "index.html");
  writeFileSync(file, embedHTML(widgets, { ...o, assets: "" }));
  return file;
}
