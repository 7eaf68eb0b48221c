import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { selectBackend, type BackendName } from "../src/backend/select.js";
import { assessClaims, claimTable, claimTableMarkdown, headline } from "../src/evaluate/claims.js";
import { formatStat, summarize } from "../src/evaluate/summary.js";
import { writeClaimsReport } from "../src/report/claims-report.js";
import { writeReport } from "../src/report/sweep-report.js";
import { ResultsStore } from "../src/store/results.js";
import { completeness, readInCellOrder, readManifests, storedCells, writeManifest } from "../src/sweep/collect.js";
import { experimentCells } from "../src/sweep/experiment.js";
import { sweepStatus, submitSweep } from "../src/sweep/queue.js";
import { CellRunner } from "../src/sweep/run-cell.js";
import { parseShard, shardCells, shardFromEnv } from "../src/sweep/shard.js";
import { experimentFromArgs, positiveInt, redisUrl } from "./sweep-spec.js";

const USAGE = `usage:
  quantscope sweep submit (--preset P | --spec FILE) --redis URL --store DIR [--attempts N] [--queue NAME]
  quantscope sweep status [--redis URL] [--queue NAME]
  quantscope sweep run (--preset P | --spec FILE) --store DIR [--shard i/n] [--backend NAME]
  quantscope sweep report --store DIR

Presets: the claims plans ci, demo, full (what quantscope demo --preset runs: arms × seeds, with
checkpoint evaluations and the cliff), and the paper-comparison sweeps paper-ci, paper-demo,
paper-full, paper-gpu. --spec FILE.json: a sweep spec (recipes × seeds) or a claims plan (arms).

submit queues each cell (recipe or arm × seed × model size) as a job with a deterministic id;
workers (quantscope worker) run them into DIR. run executes the i-th of n shares of the cells
without Redis (or the share from $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT, or
$JOB_COMPLETION_INDEX with $QUANTSCOPE_SHARD_COUNT). report builds the summary (for a claims plan:
the claim table and its report) from whatever cells DIR holds and names the missing ones.
--redis defaults to $QUANTSCOPE_REDIS, else redis://127.0.0.1:6379.`;

const OPTIONS = {
  preset: { type: "string" }, spec: { type: "string" }, redis: { type: "string" }, store: { type: "string" }, queue: { type: "string" },
  attempts: { type: "string" }, shard: { type: "string" }, backend: { type: "string" }, help: { type: "boolean", short: "h" },
} as const;

/** `quantscope sweep report`: what the store holds, then the claims report or the sweep summary. */
async function report(store: ResultsStore): Promise<number> {
  const manifests = await readManifests(store);
  const kinds = [...new Set(manifests.map((m) => m.experiment.kind))];
  if (kinds.length > 1) {
    console.error(`${store.root} holds both claims plans and sweeps (${manifests.map((m) => `${m.hash}: ${m.experiment.kind}${m.preset ? ` ${m.preset}` : ""}`).join(", ")}): their runs would be mixed in one report; use one store per experiment`);
    return 2;
  }
  const result = await readInCellOrder(store, manifests);
  const c = await completeness(store, manifests, result.runs);
  console.log(`${c.complete.length} of ${c.expected.length} cells complete in ${store.root}${manifests.length === 0 ? " (no sweeps/ manifest: cannot tell which are missing)" : ""}`);
  for (const m of c.missing) console.log(`  missing ${m.id}  (${m.recipeLabel}, seed ${m.seed}, ${m.size})`);
  for (const d of c.diverged) console.log(`  diverged ${d.id}`);
  if (result.runs.length === 0) {
    console.error("no complete cells yet: nothing to report");
    return 1;
  }
  const cellsText = `${c.complete.length} of ${c.expected.length || result.runs.length} cells${c.missing.length ? ` (${c.missing.length} missing)` : ""}`;
  if (kinds[0] === "claims") {
    // The same table as `quantscope claims --from DIR`, and the report `quantscope demo` writes.
    const outcomes = assessClaims(result);
    const line = headline(outcomes);
    console.log(`\n${claimTableMarkdown(claimTable(outcomes))}\n\n${line}`);
    const presets = [...new Set(manifests.map((m) => m.preset ?? m.hash))].join(", ");
    console.log(`report: ${await writeClaimsReport(store.root, result, outcomes, { title: `quantscope — the paper's claims (${presets}) — ${cellsText}`, headline: line })}`);
  } else {
    console.table(summarize(result).map((s) => ({ recipe: s.recipe, seeds: s.seeds, "final loss": formatStat(s.finalLoss, 3), "max ‖x‖∞": formatStat(s.maxInfNorm, 1), "avg kurtosis": formatStat(s.avgKurtosis) })));
    console.log(`report: ${await writeReport(store.root, result, { title: `quantscope sweep — ${cellsText}` })}`);
  }
  return c.missing.length > 0 ? 3 : 0;
}

/** `quantscope sweep <submit | status | run | report>`. */
export async function runSweepCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({ args: rest, options: OPTIONS });
  if (values.help || sub === undefined || sub === "-h" || sub === "--help") {
    console.log(USAGE);
    return sub === undefined ? 2 : 0;
  }
  const needStore = (): ResultsStore => {
    if (!values.store) throw new Error(`quantscope sweep ${sub}: --store DIR is required`);
    return new ResultsStore(resolve(values.store));
  };
  switch (sub) {
    case "submit": {
      const { experiment, preset } = experimentFromArgs(values, "sweep submit");
      const store = needStore();
      const { cells } = await writeManifest(store, experiment, preset);
      const s = await submitSweep(experiment, { redis: redisUrl(values.redis), queue: values.queue, preset, store, attempts: positiveInt(values.attempts, "--attempts", 3) });
      console.log(`${cells.length} ${experiment.kind === "claims" ? "claims " : ""}cells: ${s.queued.length} queued, ${s.requeued.length} re-queued, ${s.pending.length} already queued or running, ${s.inStore.length} already in ${store.root}`);
      return 0;
    }
    case "status": {
      const s = await sweepStatus({ redis: redisUrl(values.redis), queue: values.queue });
      console.log(`queued ${s.queued}  running ${s.running}  done ${s.done}  failed ${s.failed}`);
      for (const f of s.failures) console.log(`  failed ${f.id} after ${f.attempts} attempt(s): ${f.error}`);
      return 0;
    }
    case "run": {
      const { experiment, preset } = experimentFromArgs(values, "sweep run");
      const shard = values.shard !== undefined ? parseShard(values.shard) : shardFromEnv() ?? { index: 0, count: 1 };
      const backend = await selectBackend({ backend: values.backend as BackendName | undefined });
      const store = new ResultsStore(needStore().root, backend.name);
      await writeManifest(store, experiment, preset);
      const mine = shardCells(experimentCells(experiment), shard);
      const have = await storedCells(store, experiment, mine);
      console.log(`shard ${shard.index}/${shard.count}: ${mine.length} ${experiment.kind === "claims" ? "claims " : ""}cells (${have.size} already in the store), backend ${backend.name}`);
      const runner = new CellRunner(experiment, store);
      let diverged = 0;
      for (const cell of mine) {
        if (have.has(cell.id)) continue;
        const { run } = await runner.run(cell);
        if (run.status === "diverged") diverged++;
        console.log(`cell ${cell.id}: ${run.status} after ${run.steps} steps`);
      }
      return diverged > 0 ? 1 : 0;
    }
    case "report":
      return report(needStore());
    default:
      console.error(`quantscope sweep: unknown subcommand '${sub}' (choose from submit, status, run, report)`);
      return 2;
  }
}
