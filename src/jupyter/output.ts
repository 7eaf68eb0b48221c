import { inspect } from "node:util";
import { displaySymbol, isDisplayable, type MimeBundle } from "../display.js";
import { commManager } from "./comm.js";

/**
 * The MIME bundle a value shows as: its own bundle when it is displayable (widgets, tables,
 * reports), the string itself for strings, and `util.inspect` text otherwise.
 */
export function toMimeBundle(value: unknown): MimeBundle {
  if (isDisplayable(value)) return value[displaySymbol]();
  if (typeof value === "string") return { "text/plain": value };
  return { "text/plain": inspect(value, { depth: 4, colors: false, maxArrayLength: 50 }) };
}

/** Options for {@link display}. */
export interface DisplayOptions {
  /** Name the output so {@link updateDisplay} can replace it later. */
  readonly displayId?: string;
}

/**
 * Shows values in the current cell's output (one `display_data` each). Outside a kernel it prints
 * their text form, so the same code works in scripts.
 */
export function display(value: unknown, opts: DisplayOptions = {}): void {
  const bundle = toMimeBundle(value);
  const t = commManager.transport;
  if (t) t.display(bundle, {}, opts.displayId ? { display_id: opts.displayId } : {});
  else console.log(bundle["text/plain"] ?? "");
}

/** Replaces an output shown earlier with `display(x, { displayId })`. */
export function updateDisplay(displayId: string, value: unknown): void {
  const t = commManager.transport;
  if (t?.updateDisplay) t.updateDisplay(toMimeBundle(value), {}, { display_id: displayId });
  else if (!t) console.log(toMimeBundle(value)["text/plain"] ?? "");
}

/** Clears the cell's output (with `wait`, only when new output arrives, to avoid flicker). */
export function clearOutput(wait = false): void {
  commManager.transport?.clearOutput?.(wait);
}
