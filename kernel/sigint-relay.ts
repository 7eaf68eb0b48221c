/**
 * How the kernel hears SIGINT (the notebook's stop button, or an `interrupt_request`, raises it).
 * A running cell is stopped by node itself: tslab runs cells with `breakOnSigint`. Between cells (a
 * top-level await pending) the kernel's own handler interrupts the executor.
 *
 * Node starts a watchdog thread for each `breakOnSigint` script and joins it after, unless one is
 * running already: on a loaded machine that cost a cell up to a few ms. A relay thread
 * (sigint-worker.ts) keeps one running and passes on the SIGINTs that arrive between cells.
 * `process.on("SIGINT")` listeners on the main thread cannot be used alongside: node removes them
 * around each `breakOnSigint` script, and with the watchdog already up, nothing would then catch a
 * SIGINT during the cell. So when a cell adds a listener of its own, the relay stops (the main
 * thread waits for it) and the kernel's handler becomes a listener, as without the relay.
 */
import { Worker } from "node:worker_threads";
import type { SigintWorkerData } from "./sigint-worker.js";

/** How long the main thread waits for the relay to let go of the watchdog when a cell adds a SIGINT listener. */
const STOP_TIMEOUT_MS = 2000;

/** How long start-up waits for the relay to hold the watchdog before it does without. */
const START_TIMEOUT_MS = 10_000;

/**
 * Calls `onSigint` for each SIGINT that arrives while no cell runs. Resolves once the relay holds
 * the watchdog (or has failed, and a listener stands in): from then on a SIGINT cannot end the kernel.
 */
export async function relaySigint(onSigint: () => void): Promise<void> {
  const flags = new Int32Array(new SharedArrayBuffer(12));
  const workerData: SigintWorkerData = { flags: flags.buffer as SharedArrayBuffer };
  const worker = new Worker(new URL("./sigint-worker.js", import.meta.url), { workerData });
  worker.unref();
  worker.on("message", () => onSigint());
  let relaying = true;
  const fallBack = (): void => {
    if (!relaying) return;
    relaying = false;
    process.off("newListener", onNewListener);
    Atomics.store(flags, 0, 1);
    Atomics.notify(flags, 0);
    Atomics.wait(flags, 1, 0, STOP_TIMEOUT_MS);
    process.on("SIGINT", onSigint);
  };
  const onNewListener = (event: string | symbol): void => {
    if (event === "SIGINT") fallBack();
  };
  // Ahead of node's own newListener handler, which starts listening for the signal: the relay must
  // let go of the watchdog first, as node resets the signal's handler when the watchdog stops.
  (process as NodeJS.EventEmitter).prependListener("newListener", onNewListener);
  // A relay that fails leaves the kernel as it was without one.
  worker.once("error", fallBack);
  // Atomics.waitAsync: in node since 16, in TypeScript's libs only from es2024.
  const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, ms: number): { value: string | Promise<string> } }).waitAsync;
  if ((await waitAsync(flags, 2, 0, START_TIMEOUT_MS).value) === "timed-out") fallBack();
}
