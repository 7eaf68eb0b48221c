import { randomUUID } from "node:crypto";
import { displaySymbol, escapeHtml, type Displayable, type MimeBundle } from "../display.js";
import { display, updateDisplay } from "../jupyter/output.js";
import { DEFAULT_QUEUE, watchQueue, type QueueOptions, type SweepStatus } from "./queue.js";

/** A sweep's cell counts as a notebook output: an HTML table, and text outside a notebook. */
export class SweepStatusView implements Displayable {
  constructor(readonly status: SweepStatus, readonly queue: string) {}

  [displaySymbol](): MimeBundle {
    const s = this.status;
    const cells: [string, number][] = [["queued", s.queued], ["running", s.running], ["done", s.done], ["failed", s.failed]];
    const failures = s.failures.map((f) => `<tr><td>${escapeHtml(f.id)}</td><td>${f.attempts}</td><td>${escapeHtml(f.error)}</td></tr>`).join("");
    return {
      "text/plain": `sweep queue ${this.queue}: ${cells.map(([k, v]) => `${k} ${v}`).join("  ")}${s.failures.map((f) => `\n  failed ${f.id}: ${f.error}`).join("")}`,
      "text/html": `<table class="quantscope-table"><caption>sweep queue ${escapeHtml(this.queue)}</caption><thead><tr>${cells.map(([k]) => `<th>${k}</th>`).join("")}</tr></thead><tbody><tr>${cells.map(([, v]) => `<td>${v}</td>`).join("")}</tr></tbody></table>`
        + (failures ? `<table class="quantscope-table"><thead><tr><th>failed cell</th><th>attempts</th><th>error</th></tr></thead><tbody>${failures}</tbody></table>` : ""),
    };
  }
}

/**
 * Shows a sweep's cells queued, running, done and failed in the notebook, updated in place from
 * the queue's events as workers anywhere take and finish them. Returns a function that stops it.
 */
export async function watchSweep(opts: QueueOptions): Promise<() => Promise<void>> {
  const id = `quantscope-sweep-${randomUUID()}`;
  const queue = opts.queue ?? DEFAULT_QUEUE;
  let shown = false;
  return watchQueue(opts, (s) => {
    const view = new SweepStatusView(s, queue);
    if (shown) updateDisplay(id, view);
    else display(view, { displayId: id });
    shown = true;
  });
}
