/**
 * The SIGINT relay's thread (sigint-relay.ts). It waits inside two nested `breakOnSigint` scripts for
 * the life of the kernel, so node's SIGINT watchdog thread, which every `breakOnSigint` script starts
 * and stops unless one is already running, stays up: a cell no longer pays a thread's creation and
 * join. The newest waiting script gets a SIGINT that arrives while no cell runs; this thread then
 * tells the main thread and waits again (the outer script still holds the watchdog meanwhile).
 */
import { parentPort, workerData } from "node:worker_threads";
import vm from "node:vm";

/** What the main thread gives the relay: [0] = 1 asks it to stop, [1] = 1 says it has, [2] = 1 says it holds the watchdog. */
export interface SigintWorkerData {
  readonly flags: SharedArrayBuffer;
}

const flags = new Int32Array((workerData as SigintWorkerData).flags);
const port = parentPort!;
const g = globalThis as { __quantscopeSigintWait?: () => void; __quantscopeSigintInner?: () => void };
g.__quantscopeSigintWait = () => {
  // Inside both scripts: the watchdog is up.
  Atomics.store(flags, 2, 1);
  Atomics.notify(flags, 2);
  Atomics.wait(flags, 0, 0);
};
const waitFor = (script: string): void => {
  while (Atomics.load(flags, 0) === 0) {
    try {
      vm.runInThisContext(script, { breakOnSigint: true });
    } catch {
      // Interrupted by SIGINT: the only way these scripts end without a stop.
      port.postMessage("SIGINT");
    }
  }
};
g.__quantscopeSigintInner = () => waitFor("__quantscopeSigintWait()");
waitFor("__quantscopeSigintInner()");
Atomics.store(flags, 1, 1);
Atomics.notify(flags, 1);
