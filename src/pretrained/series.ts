/**
 * Outliers across real pretraining: a folder of checkpoint revisions (Pythia publishes ~150 as
 * branches `step1000`, `step2000`, …) measured one revision at a time into rows of the `traces`
 * table, with run = the model's name and step = the revision's step, so the outlier widgets plot
 * them exactly as they plot our own training runs.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import type { Batch } from "../data/batches.js";
import { measureOutliers, type MeasureOptions } from "../track/measure.js";
import { loadPretrained } from "./load.js";
import { PretrainedTokenizer, textWindows } from "./tokenizer.js";

/** One revision of a series: its training step and the model folder holding it. */
export interface Revision {
  readonly step: number;
  readonly name: string;
  readonly dir: string;
}

/** A row of the `traces` table, as `measureOutliers` produces it. */
type TraceRow = Awaited<ReturnType<typeof measureOutliers>>[number];

const STEP = /^step(\d+)$/;

/**
 * The revisions under `root`, by step: sub-folders named `step<N>` (e.g. one `git clone --branch`
 * per revision), or a Hugging Face cache folder whose `refs/step<N>` name snapshots.
 */
export function listRevisions(root: string): Revision[] {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new Error(`${root}: no such folder`);
  const found: Revision[] = [];
  const refs = join(root, "refs");
  if (existsSync(join(root, "snapshots")) && existsSync(refs)) {
    for (const name of readdirSync(refs)) {
      const m = STEP.exec(name);
      if (m) found.push({ step: Number(m[1]), name, dir: join(root, "snapshots", readFileSync(join(refs, name), "utf8").trim()) });
    }
  } else {
    for (const name of readdirSync(root)) {
      const m = STEP.exec(name);
      if (m && statSync(join(root, name)).isDirectory()) found.push({ step: Number(m[1]), name, dir: join(root, name) });
    }
  }
  if (found.length === 0) throw new Error(`${root}: no revisions named step<N> (expected sub-folders step1000, step2000, … or a Hugging Face cache folder with refs/step<N>)`);
  return found.sort((a, b) => a.step - b.step);
}

export interface SeriesOptions extends MeasureOptions {
  /** Run label; default the folder's name (`models--org--name` becomes `org/name`). */
  readonly run?: string;
  /** Calibration windows; or give `text` and they are cut from it with the first revision's tokenizer. */
  readonly windows?: readonly Batch[];
  readonly text?: string;
  /** Window length (default the model's context, at most 256), windows per batch (4) and batches (2). */
  readonly context?: number;
  readonly batchSize?: number;
  readonly batches?: number;
  /** Called after each revision with its rows (e.g. to append them to a store or a live widget). */
  readonly onRevision?: (revision: Revision, rows: TraceRow[]) => void | Promise<void>;
}

/**
 * Measures every revision under `root` on the same calibration windows and returns the `traces`
 * rows. One revision's weights are in memory at a time.
 */
export async function measureSeries(root: string, opts: SeriesOptions = {}): Promise<TraceRow[]> {
  const revisions = listRevisions(root);
  const run = opts.run ?? basename(root).replace(/^models--/, "").replace(/--/g, "/");
  let windows = opts.windows;
  const rows: TraceRow[] = [];
  for (const rev of revisions) {
    const { model, dir } = await loadPretrained(rev.dir, { tokenizer: false });
    try {
      if (!windows) {
        if (opts.text === undefined) throw new Error("measureSeries needs calibration windows or a text to cut them from");
        const context = opts.context ?? Math.min(model.config.context, 256);
        windows = textWindows(PretrainedTokenizer.fromDir(dir), opts.text, { context, batch: opts.batchSize ?? 4, count: opts.batches ?? 2 });
      }
      const mine = await measureOutliers(model, windows, run, rev.step, opts);
      rows.push(...mine);
      await opts.onRevision?.(rev, mine);
    } finally {
      model.dispose();
    }
  }
  return rows;
}
