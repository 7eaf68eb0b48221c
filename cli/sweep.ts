import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { selectBackend, type BackendName } from "../src/backend/select.js";
import { formatStat, summarize } from "../src/evaluate/summary.js";
import { writeReport } from "../src/report/sweep-report.js";
import { ResultsStore } from "../src/store/results.js";
import { sweepCells } from "../src/sweep/cells.js";
import { completeness, readManifests, writeManifest } from "../src/sweep/collect.js";
import { readSweep } from "../src/store/read-sweep.js";
import { sweepStatus, submitSweep } from "../src/sweep/queue.js";
import { CellRunner } from "../src/sweep/run-cell.js";
import { parseShard, shardCells, shardFromEnv } from "../src/sweep/shard.js";
import { positiveInt, redisUrl, specFromArgs } from "./sweep-spec.js";

const USAGE = `usage:
  quantscope sweep submit (--preset P | --spec FILE) --redis URL --store DIR [--attempts N] [--queue NAME]
  quantscope sweep status [--redis URL] [--queue NAME]
  quantscope sweep run (--preset P | --spec FILE) --store DIR [--shard i/n] [--backend NAME]
  quantscope sweep report --store DIR

submit queues each cell (recipe × seed × model size) as a job with a deterministic id; workers
(quantscope worker) run them into DIR. run executes the i-th of n shares of the cells without Redis
(or the share from $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT, or $JOB_COMPLETION_INDEX with
$QUANTSCOPE_SHARD_COUNT). report summarizes whatever cells DIR holds and names the missing ones.
--redis defaults to $QUANTSCOPE_REDIS, else redis://127.0.0.1:6379.`;

const OPTIONS = {
  preset: { type: "string" }, spec: { type: "string" }, redis: { type: "string" }, store: { type: "string" }, queue: { type: "string" },
  attempts: { type: "string" }, shard: { type: "string" }, backend: { type: "string" }, help: { type: "boolean", short: "h" },
} as const;

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
      const { spec, preset } = specFromArgs(values, "sweep submit");
      const store = needStore();
      await writeManifest(store, spec, preset);
      const s = await submitSweep(spec, { redis: redisUrl(values.redis), queue: values.queue, preset, store, attempts: positiveInt(values.attempts, "--attempts", 3) });
      console.log(`${sweepCells(spec).length} cells: ${s.queued.length} queued, ${s.requeued.length} re-queued, ${s.pending.length} already queued or running, ${s.inStore.length} already in ${store.root}`);
      return 0;
    }
    case "status": {
      const s = await sweepStatus({ redis: redisUrl(values.redis), queue: values.queue });
      console.log(`queued ${s.queued}  running ${s.running}  done ${s.done}  failed ${s.failed}`);
      for (const f of s.failures) console.log(`  failed ${f.id} after ${f.attempts} attempt(s): ${f.error}`);
      return 0;
    }
    case "run": {
      const { spec, preset } = specFromArgs(values, "sweep run");
      const shard = values.shard !== undefined ? parseShard(values.shard) : shardFromEnv() ?? { index: 0, count: 1 };
      const backend = await selectBackend({ backend: values.backend as BackendName | undefined });
      const store = new ResultsStore(needStore().root, backend.name);
      await writeManifest(store, spec, preset);
      const mine = shardCells(sweepCells(spec), shard);
      const have = await store.cells();
      console.log(`shard ${shard.index}/${shard.count}: ${mine.length} cells (${mine.filter((c) => have.has(c.id)).length} already in the store), backend ${backend.name}`);
      const runner = new CellRunner(spec, store);
      let diverged = 0;
      for (const cell of mine) {
        if (have.has(cell.id)) continue;
        const { run } = await runner.run(cell);
        if (run.status === "diverged") diverged++;
        console.log(`cell ${cell.id}: ${run.status} after ${run.steps} steps`);
      }
      return diverged > 0 ? 1 : 0;
    }
    case "report": {
      const store = needStore();
      const manifests = await readManifests(store);
      const result = await readSweep(store);
      const c = await completeness(store, manifests, result.runs);
      console.log(`${c.complete.length} of ${c.expected.length} cells complete in ${store.root}${manifests.length === 0 ? " (no sweeps/ manifest: cannot tell which are missing)" : ""}`);
      for (const m of c.missing) console.log(`  missing ${m.id}  (${m.recipeLabel}, seed ${m.seed}, ${m.size})`);
      for (const d of c.diverged) console.log(`  diverged ${d.id}`);
      if (result.runs.length === 0) {
        console.error("no complete cells yet: nothing to report");
        return 1;
      }
      console.table(summarize(result).map((s) => ({ recipe: s.recipe, seeds: s.seeds, "final loss": formatStat(s.finalLoss, 3), "max ‖x‖∞": formatStat(s.maxInfNorm, 1), "avg kurtosis": formatStat(s.avgKurtosis) })));
      const title = `quantscope sweep — ${c.complete.length} of ${c.expected.length || result.runs.length} cells${c.missing.length ? ` (${c.missing.length} missing)` : ""}`;
      console.log(`report: ${await writeReport(store.root, result, { title })}`);
      return c.missing.length > 0 ? 3 : 0;
    }
    default:
      console.error(`quantscope sweep: unknown subcommand '${sub}' (choose from submit, status, run, report)`);
      return 2;
  }
}
