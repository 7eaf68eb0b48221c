/**
 * Per-layer quantization sensitivity, as AIMET's QuantAnalyzer reports it: quantize one linear
 * layer at a time with a scheme, every other layer left in float, and record how much the loss
 * rises. Works on any {@link LanguageModel}: our own models and loaded checkpoints alike.
 */
import type { Table } from "apache-arrow";
import type { Batch } from "../data/batches.js";
import { displaySymbol, type Displayable, type MimeBundle } from "../display.js";
import { evaluate } from "../evaluate/evaluate.js";
import { floatLinear, type LinearCall, type LinearImpl, type LinearSite } from "../model/linear.js";
import type { LanguageModel } from "../model/language-model.js";
// Through the quantize index: where calibrateOptionsFor lives is the scheme registry's business.
import { calibrate, calibrateOptionsFor } from "../quantize/index.js";
import { schemeLinear } from "../quantize/linear.js";
import { label, needsCalibration, schemeId, skipsHead, type Scheme } from "../quantize/schemes.js";
import { tableOf } from "../store/schemas.js";
import { TABLE_DEFS, type SensitivityRow } from "../tables/index.js";
import { lineChartSVG, type Line } from "../widgets/svg.js";

export interface SensitivityOptions {
  /** Run label for the rows (e.g. the model's name). */
  readonly run: string;
  /** Calibration windows for static schemes (see `needsCalibration`); never the evaluation windows. */
  readonly calibration?: readonly Batch[];
}

/** The linear layers a forward pass calls, in order. */
async function linearCalls(model: LanguageModel, batch: Batch): Promise<{ name: string; layer: number; site: LinearSite }[]> {
  const calls: { name: string; layer: number; site: LinearSite }[] = [];
  const recorder: LinearImpl = (call) => {
    calls.push({ name: call.name, layer: call.layer, site: call.site });
    return floatLinear(call);
  };
  model.loss({ ...batch, batch: 1, x: batch.x.subarray(0, batch.context), y: batch.y.subarray(0, batch.context) }, { linear: recorder }).dispose();
  return calls;
}

/**
 * Δloss per linear layer under `scheme`, quantizing one layer at a time on the same evaluation
 * windows. The head is included only when the scheme quantizes it (`skipHead: false`).
 */
export async function layerSensitivity(model: LanguageModel, scheme: Scheme, windows: readonly Batch[], opts: SensitivityOptions): Promise<SensitivityRow[]> {
  if (windows.length === 0) throw new Error("layerSensitivity needs at least one evaluation window");
  const calib = needsCalibration(scheme) ? await calibrateOn(model, scheme, opts.calibration) : undefined;
  const floatLoss = (await evaluate(model, windows)).loss;
  const quantized = schemeLinear(scheme, calib);
  const rows: SensitivityRow[] = [];
  try {
    for (const { name, layer, site } of await linearCalls(model, windows[0]!)) {
      if (site === "head" && skipsHead(scheme)) continue;
      const only: LinearImpl = (call: LinearCall) => (call.name === name ? quantized(call) : floatLinear(call));
      const { loss } = await evaluate(model, windows, { linear: only });
      rows.push({ run: opts.run, schemeId: schemeId(scheme), scheme: label(scheme), layer, site, name, loss, floatLoss, deltaLoss: loss - floatLoss, deltaPct: (100 * (loss - floatLoss)) / floatLoss });
    }
  } finally {
    quantized.dispose();
  }
  return rows;
}

async function calibrateOn(model: LanguageModel, scheme: Scheme, batches: readonly Batch[] | undefined) {
  if (!batches?.length) throw new Error(`${label(scheme)} needs calibration: pass layerSensitivity(…, { calibration: batches })`);
  const calibrator = calibrate(calibrateOptionsFor([scheme]));
  for (const b of batches) model.loss(b, { linear: calibrator.linear }).dispose();
  const calib = await calibrator.finish();
  calibrator.dispose();
  return calib;
}

/** The rows as the results store's `sensitivity` table (an Arrow table with its schema metadata). */
export function sensitivityTable(rows: readonly SensitivityRow[]): Table {
  return tableOf("sensitivity", rows.map(TABLE_DEFS.sensitivity.record));
}

/**
 * A chart of Δloss % against layer, one line per site (and scheme, when several), drawn kernel-side
 * as SVG with the widgets' chart code, so it shows in any front end and in exported notebooks.
 */
export function sensitivityChart(rows: readonly SensitivityRow[], opts: { title?: string } = {}): Displayable {
  const lines = new Map<string, Line>();
  const schemes = new Set(rows.map((r) => r.scheme));
  for (const r of rows) {
    const key = schemes.size > 1 ? `${r.site} · ${r.scheme}` : r.site;
    let line = lines.get(key);
    if (!line) lines.set(key, (line = { name: key, x: [], y: [] }));
    line.x.push(r.layer);
    line.y.push(r.deltaPct);
  }
  const worst = [...rows].sort((a, b) => b.deltaLoss - a.deltaLoss).slice(0, 3);
  const title = opts.title ?? `Per-layer sensitivity${schemes.size === 1 ? ` (${[...schemes][0]})` : ""}`;
  const svg = lineChartSVG([...lines.values()], { title, xTitle: "layer", yTitle: "Δloss % (one layer quantized)" });
  const text = `${title}: ${rows.length} layers; most sensitive: ${worst.map((r) => `${r.name} +${r.deltaPct.toFixed(2)}%`).join(", ")}`;
  return { [displaySymbol]: (): MimeBundle => ({ "text/html": svg, "text/plain": text }) };
}
