import { execFileSync } from "node:child_process";
import { cpus, loadavg, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { join } from "node:path";
import { BACKEND_ORDER, selectBackend, type BackendName } from "../src/backend/select.js";
import { assessClaims, claimTable, headline } from "../src/evaluate/claims.js";
import { CLAIM_PLANS, type ClaimPlanName } from "../src/evaluate/claims-presets.js";
import { planSteps, runClaims } from "../src/evaluate/run-claims.js";
import { packageRoot } from "../src/package-root.js";
import { writeClaimsReport } from "../src/report/claims-report.js";
import { writeFileAtomic } from "../src/store/atomic.js";
import { readSweep } from "../src/store/read-sweep.js";
import { ResultsStore } from "../src/store/results.js";
import { ensureWritableFolder } from "./output-folder.js";
import { StepProgress } from "./progress.js";

const USAGE = `usage: quantscope demo [--preset ci|demo|full] [--out DIR] [--backend NAME]

Tests the paper's claims: trains every arm of the preset's plan for each seed, tracks outliers,
quantizes each model along the cliff axes (activations 8→4 bits per tensor and per token, weights
8→3 bits per channel), and prints the claim table with 95% intervals and verdicts computed from the
seeds. Writes Arrow tables, report.html and MACHINE.json to DIR (default ./quantscope-results/<preset>).
Resumable: run it again with the same DIR and finished runs are read back, not retrained.`;

/** The commit of this package's checkout (with `-dirty` when it has uncommitted changes), or "unknown". */
function commit(): string {
  const root = packageRoot();
  const git = (...args: string[]) => execFileSync("git", ["-C", root, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  try {
    return git("rev-parse", "HEAD") + (git("status", "--porcelain", "--untracked-files=no") ? "-dirty" : "");
  } catch {
    return "unknown";
  }
}

export async function runDemo(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { preset: { type: "string", default: "demo" }, out: { type: "string" }, backend: { type: "string" }, help: { type: "boolean", short: "h" } } });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const preset = values.preset as ClaimPlanName;
  const plan = CLAIM_PLANS[preset];
  if (!plan) {
    console.error(`quantscope demo: unknown preset '${values.preset}' (choose from ${Object.keys(CLAIM_PLANS).join(", ")})`);
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
  console.log(`preset '${preset}': arms ${plan.arms.map((a) => a.id).join(", ")}; seeds [${plan.seeds.join(", ")}]; ${plan.schemes.length} schemes`);
  console.log(`results: ${out}`);

  const store = new ResultsStore(out, backend.name);
  const before = (await readSweep(store)).runs.length;
  if (before) console.log(`resuming: ${before} finished runs in ${out} are kept, not retrained`);
  const progress = new StepProgress(planSteps(plan));
  let done = 0;
  const t0 = Date.now(), cpu0 = process.cpuUsage();
  const result = await runClaims(plan, { store, preset, onStep: (run, info) => progress.update(++done, run, info.loss) });
  progress.stop();
  const cpu = process.cpuUsage(cpu0);

  const outcomes = assessClaims(result);
  console.log("\nThe paper's claims, tested (computed from the data; 95% intervals over seeds):");
  const tested = outcomes.filter((o) => o.verdict !== null);
  for (const r of claimTable(tested)) console.log(`\n  ${r.claim} — ${r.verdict}\n    paper: ${r.paper}\n    ours:  ${r.ours}`);
  const untested = outcomes.filter((o) => o.verdict === null).map((o) => o.claim.id);
  if (untested.length) console.log(`\n  not tested by preset '${preset}' (its arms are not in the plan; --preset full tests them): ${untested.join(", ")}`);
  const line = headline(outcomes);
  console.log(`\n${line}`);
  const report = await writeClaimsReport(out, result, outcomes, { title: `quantscope — the paper's claims (${preset})`, headline: line });
  const machine = {
    preset, commit: commit(), node: process.version, backend: backend.name, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown",
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1), loadAverageAtEnd: loadavg().map((x) => +x.toFixed(2)), finishedAt: new Date().toISOString(),
    runs: result.runs.length, runsTrainedThisSession: result.runs.length - before, wallSeconds: Math.round((Date.now() - t0) / 1000),
    processCpuSeconds: Math.round((cpu.user + cpu.system) / 1e6),
  };
  await writeFileAtomic(join(out, "MACHINE.json"), new TextEncoder().encode(JSON.stringify(machine, null, 2) + "\n"));
  console.log(`\nArrow tables: ${out}/{runs,metrics,traces,quant}/`);
  console.log(`report: ${report}`);
  console.log(`wall ${machine.wallSeconds} s, process CPU ${machine.processCpuSeconds} s, load ${machine.loadAverageAtEnd.join(" ")} (${machine.cpus} cores)`);
  return 0;
}
