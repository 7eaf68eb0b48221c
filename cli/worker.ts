import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { selectBackend, type BackendName } from "../src/backend/select.js";
import { ResultsStore } from "../src/store/results.js";
import { startWorker, type WorkerEvent } from "../src/sweep/queue.js";
import { positiveInt, redisUrl } from "./sweep-spec.js";

const USAGE = `usage: quantscope worker --redis URL --store DIR [--concurrency N] [--queue NAME] [--backend NAME] [--lock-ms MS]

Runs cells from the queue (a sweep's or a claims plan's: each job says which) into the results
store DIR (which every worker and the report must see: a shared filesystem with atomic rename; see
docs/sweeps.md). Stops on SIGINT/SIGTERM after its running cells finish. --lock-ms: how soon a dead worker's cell is retried (default 30000).`;

function line(e: WorkerEvent): string {
  switch (e.kind) {
    case "started": return `cell ${e.cell} started (attempt ${e.attempt})`;
    case "done": return `cell ${e.cell} done (${e.status})`;
    case "failed": return `cell ${e.cell} failed (attempt ${e.attempt}${e.final ? ", final" : ", will retry"}): ${e.error}`;
    case "error": return `queue error: ${e.error}`;
  }
}

/** `quantscope worker`: runs until signalled. */
export async function runWorker(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: {
    redis: { type: "string" }, store: { type: "string" }, concurrency: { type: "string" }, queue: { type: "string" },
    backend: { type: "string" }, "lock-ms": { type: "string" }, help: { type: "boolean", short: "h" },
  } });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.store) {
    console.error(`quantscope worker: --store DIR is required\n${USAGE}`);
    return 2;
  }
  const backend = await selectBackend({ backend: values.backend as BackendName | undefined });
  const store = new ResultsStore(resolve(values.store), backend.name);
  const worker = await startWorker({
    redis: redisUrl(values.redis),
    queue: values.queue,
    store,
    concurrency: positiveInt(values.concurrency, "--concurrency", 1),
    lockMs: positiveInt(values["lock-ms"], "--lock-ms", 30_000),
    onEvent: (e) => (e.kind === "error" || e.kind === "failed" ? console.error : console.log)(line(e)),
  });
  await worker.waitUntilReady();
  console.log(`worker ${process.pid} ready (backend ${backend.name}, store ${store.root})`);
  await new Promise<void>((done) => {
    for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => done());
  });
  await worker.close();
  return 0;
}
