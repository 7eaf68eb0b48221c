/** Small synthetic tables in the store's long formats. */
import { tableFromArrays, type Table } from "apache-arrow";
import { heatmapTable } from "../../src/widgets/data.js";

export const RUNS = ["baseline", "wd0.1", "bf16"];
export const BITS = [3, 4, 6, 8, 16];

/** run, scheme, weight_bits, granularity, metric, value, degradation_pct (the quant table's columns the widgets read), plus a recipe column. */
export function quantResults(): Table {
  const c: Record<string, unknown[]> = { run: [], scheme: [], weight_bits: [], granularity: [], metric: [], value: [], degradation_pct: [], weight_decay: [] };
  RUNS.forEach((run, r) => {
    for (const metric of ["loss", "accuracy"]) {
      for (const bits of BITS) {
        const deg = bits >= 16 ? 0 : (r + 1) * 40 / 2 ** (bits - 2);
        c.run.push(run);
        c.scheme.push(bits >= 16 ? "none" : `int${bits}`);
        c.weight_bits.push(bits);
        c.granularity.push("per-channel");
        c.metric.push(metric);
        c.value.push(metric === "loss" ? 2 * (1 + deg / 100) : 0.8 * (1 - deg / 100));
        c.degradation_pct.push(metric === "loss" ? deg : deg / 2);
        c.weight_decay.push(r === 1 ? 0.1 : 0);
      }
    }
  });
  return tableFromArrays({
    run: c.run as string[],
    scheme: c.scheme as string[],
    weight_bits: Int32Array.from(c.weight_bits as number[]),
    granularity: c.granularity as string[],
    metric: c.metric as string[],
    value: Float64Array.from(c.value as number[]),
    degradation_pct: Float64Array.from(c.degradation_pct as number[]),
    weight_decay: Float64Array.from(c.weight_decay as number[]),
  });
}

export const TRACE_STEPS = [0, 50, 100, 150, 200, 250];

/** run, step, layer, site, metric, value (whole-model rows at layer -1, like src/track). */
export function outlierTraces(): Table {
  const run: string[] = [], site: string[] = [], metric: string[] = [];
  const step: number[] = [], layer: number[] = [], value: number[] = [];
  const push = (ru: string, s: number, l: number, si: string, m: string, v: number) => {
    run.push(ru); step.push(s); layer.push(l); site.push(si); metric.push(m); value.push(v);
  };
  RUNS.slice(0, 2).forEach((ru, r) => {
    for (const s of TRACE_STEPS) {
      push(ru, s, -1, "all", "outlier_dims", Math.floor((s / 50) * (r + 1)));
      push(ru, s, -1, "all", "max_kurtosis", 3 + s * 0.1 * (r + 1));
      for (const l of [0, 1]) push(ru, s, l, "ffn_in", "max_abs", 2 + s * 0.02 * (l + 1) * (r + 1));
    }
  });
  return tableFromArrays({ run, step: Int32Array.from(step), layer: Int32Array.from(layer), site, metric, value: Float64Array.from(value) });
}

export function heatmap(): Table {
  const per: Record<string, Float32Array> = {};
  for (const l of [0, 1, 2]) {
    const v = new Float32Array(32);
    for (let j = 0; j < 32; j++) v[j] = 0.5 + ((j * 7 + l) % 5) * 0.1 + (j === 7 ? 8 + l * 4 : 0);
    per[`L${l}`] = v;
  }
  return heatmapTable(per);
}

/** run, step, loss, lr, grad_norm, tokens_per_s */
export function trainingMetrics(n = 40): Table {
  const step = Array.from({ length: n }, (_, i) => i + 1);
  return tableFromArrays({
    run: step.map(() => "baseline"),
    step: Int32Array.from(step),
    loss: Float64Array.from(step.map((s) => 4 * Math.exp(-s / 20) + 1)),
    lr: Float64Array.from(step.map((s) => 1e-3 * Math.min(1, s / 10))),
    grad_norm: Float64Array.from(step.map((s) => 1 / Math.sqrt(s))),
    tokens_per_s: Float64Array.from(step.map(() => 5000)),
  });
}
