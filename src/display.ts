/**
 * The rich-display protocol: an object with a method under this symbol returns a MIME bundle
 * (`{"text/html": ..., "text/plain": ...}`) that the quantscope kernel shows instead of the
 * object's plain text. It is the same symbol Deno's kernel uses, so objects display there too.
 */
export const displaySymbol: unique symbol = Symbol.for("Jupyter.display") as never;

export type MimeBundle = Record<string, unknown>;

export interface Displayable {
  [displaySymbol](): MimeBundle;
}

export function isDisplayable(value: unknown): value is Displayable {
  return typeof value === "object" && value !== null && typeof (value as Record<symbol, unknown>)[displaySymbol] === "function";
}

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;" };

/**
 * Escapes text for HTML and SVG content and for quoted attribute values: the one escaping helper
 * for every page quantscope writes and for the text the browser bundle hands to plotly. Quotes
 * become numeric references because plotly's text renderer decodes those but shows `&quot;` as is.
 */
export function escapeHtml(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}
