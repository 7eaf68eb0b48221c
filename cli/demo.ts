import { parseArgs } from "node:util";
import { BACKEND_ORDER, selectBackend, type BackendName } from "../src/backend/select.js";
import { EXPERIMENTS, type ExperimentName } from "../src/evaluate/presets.js";
import { compareRecipes, formatStat, summarize } from "../src/evaluate/summary.js";
import { runSweep } from "../src/evaluate/sweep.js";
import { label, schemeId, type Scheme } from "../src/quantize/schemes.js";
import { writeReport } from "../src/report/sweep-report.js";
import { ResultsStore } from "../src/store/results.js";
import { ensureWritableFolder } from "./output-folder.js";
import { StepProgress } from "./progress.js";

const USAGE = `usage: quantscope demo [--preset ci|demo|full|gpu] [--out DIR] [--backend NAME]

Runs the paper comparison (quantization-unfriendly vs -friendly training recipe) on built-in
defaults: trains both, tracks outliers, quantizes each model with the paper's schemes, prints a
summary, and writes Arrow tables and an HTML report to DIR (default ./quantscope-results/<preset>).`;

/** Schemes shown in the printed summary (all are in the tables and the report). */
const SUMMARY_SCHEMES: readonly Scheme[] = [{ name: "w8a8-tensor", mode: "static" }, { name: "w8a8-vector" }, { name: "llm-int8", threshold: 6 }, { name: "w4-group", groupSize: 32 }];

export async function runDemo(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { preset: { type: "string", default: "demo" }, out: { type: "string" }, backend: { type: "string" }, help: { type: "boolean", short: "h" } } });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const preset = values.preset as ExperimentName;
  const spec = EXPERIMENTS[preset];
  if (!spec) {
    console.error(`quantscope demo: unknown preset '${values.preset}' (choose from ${Object.keys(EXPERIMENTS).join(", ")})`);
    return 2;
  }
  if (values.backend !== undefined && !(BACKEND_ORDER as readonly string[]).includes(values.backend)) {
    console.error(`quantscope demo: unknown backend '${values.backend}' (choose from ${BACKEND_ORDER.join(", ")})`);
    return 2;
  }
  // Checked before training, which takes minutes: a folder that cannot take the results fails now.
  const out = ensureWritableFolder(values.out ?? `quantscope-results/${preset}`, "quantscope demo: --out");
  const backend = await selectBackend({ backend: values.backend as BackendName | undefined });
  console.log(`backend: ${backend.name} — ${backend.reason}`);
  console.log(`preset '${preset}': ${Object.keys(spec.recipes).join(" vs ")}, seeds [${spec.seeds.join(", ")}], model d=${spec.model.dModel} L=${spec.model.nLayers}, ${spec.schemes.length} schemes`);
  console.log(`results: ${out}`);

  const store = new ResultsStore(out, backend.name);
  const totalSteps = Object.values(spec.recipes).reduce((a, r) => a + (r.steps ?? 0), 0) * spec.seeds.length;
  const progress = new StepProgress(totalSteps);
  let done = 0;
  const result = await runSweep(spec, {
    onStep: (run, info) => progress.update(++done, run, info.loss),
    onRun: (rows) => store.append(rows),
  });
  progress.stop();

  const summary = summarize(result);
  const table = summary.map((s) => ({
    recipe: s.recipe,
    "final loss": formatStat(s.finalLoss, 3),
    "max ‖x‖∞": formatStat(s.maxInfNorm, 1),
    "avg kurtosis": formatStat(s.avgKurtosis),
    "LN gain std": formatStat(s.lnGainStd, 3),
    ...Object.fromEntries(SUMMARY_SCHEMES.filter((k) => s.lossDegradation[schemeId(k)]).map((k) => [`Δloss % ${label(k)}`, formatStat(s.lossDegradation[schemeId(k)]!, 3)])),
  }));
  console.table(table);
  if (summary.length === 2) {
    console.log("\nWhat this run shows (computed from the data above):");
    for (const line of compareRecipes(summary[0]!, summary[1]!, SUMMARY_SCHEMES.map(schemeId))) console.log(`  - ${line}`);
  }
  const report = await writeReport(out, result, { title: `quantscope — paper comparison (${preset})` });
  console.log(`\nArrow tables: ${out}/{runs,metrics,traces,quant}/`);
  console.log(`report: ${report}`);
  return 0;
}
