// `npm run bench`: every benchmark in one run, printed as a table and saved as an Arrow file
// (bench-results/bench.arrow, one part per run) beside the machine it ran on.
import { cpus, loadavg, totalmem } from "node:os";
import { tableFromArrays } from "apache-arrow";
import { ArrowDataset } from "../src/store/arrow-dataset.js";
import { benchKernel } from "./kernel.js";
import { benchPretrained } from "./pretrained.js";
import { benchQuantize } from "./quantize.js";
import { benchStore } from "./store.js";
import { benchSweep } from "./sweep.js";
import { benchTrainConfigs } from "./train.js";
import type { BenchRow } from "./types.js";

const only = process.argv.slice(2);
const suites: [string, () => Promise<BenchRow[]>][] = [
  ["train", () => benchTrainConfigs()],
  ["quantize", () => benchQuantize()],
  ["store", () => benchStore()],
  ["kernel", () => benchKernel()],
  ["pretrained", () => benchPretrained()],
  ["sweep", () => benchSweep()],
];
// The load average at the start says whether the machine was shared; OPENBLAS_CORETYPE picks the native path's CPU kernel.
const machine = `${cpus().length}x ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}, load ${loadavg()[0]!.toFixed(1)}, OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? "unset"}`;
const rows: BenchRow[] = [];
for (const [name, run] of suites) {
  if (only.length && !only.includes(name)) continue;
  console.error(`running ${name} …`);
  rows.push(...(await run()));
}
console.log(`machine: ${machine}`);
console.table(rows.map((r) => ({ ...r, value: +r.value.toPrecision(4), baseline_ratio: r.baseline_ratio === null ? null : +r.baseline_ratio.toFixed(3) })));
const at = Date.now();
const table = tableFromArrays({
  bench: rows.map((r) => r.bench),
  case: rows.map((r) => r.case),
  value: Float64Array.from(rows.map((r) => r.value)),
  unit: rows.map((r) => r.unit),
  baseline_ratio: rows.map((r) => r.baseline_ratio),
  machine: rows.map(() => machine),
  measured_at: rows.map(() => new Date(at).toISOString()),
});
const file = await new ArrowDataset("bench-results").append(table);
console.log(`saved ${file}`);
