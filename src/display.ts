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

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
