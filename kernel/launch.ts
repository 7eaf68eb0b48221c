/**
 * Starts the kernel process (kernel-main.ts) for a connection file, from the start-up snapshot when
 * a usable one exists (snapshot.ts), and waits for it. A kernel process that dies before its first
 * line of JavaScript ran is one node could not start from that blob: the blob is removed and the
 * kernel started again without it. Signals are passed on (jupyter_client signals the whole process
 * group, so the kernel may get an interrupt twice; the second finds the cell already stopped).
 */
import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";
import { discardSnapshot, snapshotDir, typescriptPath, usableSnapshot } from "./snapshot.js";

const MAIN = fileURLToPath(new URL("./kernel-main.js", import.meta.url));
const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** Whether kernels start from (and build) a start-up snapshot: QUANTSCOPE_KERNEL_SNAPSHOT=0 turns it off. */
export function snapshotsEnabled(): boolean {
  return process.env.QUANTSCOPE_KERNEL_SNAPSHOT !== "0";
}

/** Runs the kernel process to its end; returns its exit code (128 + signal when killed). */
export async function launchKernel(connectionFile: string): Promise<number> {
  let child: ChildProcess | null = null;
  for (const signal of FORWARDED) process.on(signal, () => child?.kill(signal));
  const start = (execArgv: string[]) => fork(MAIN, [connectionFile], { execArgv: [...process.execArgv, ...execArgv], stdio: ["inherit", "inherit", "inherit", "ipc"] });
  const snapshot = snapshotsEnabled() ? usableSnapshot(typescriptPath()) : null;
  child = start(snapshot ? ["--snapshot-blob", snapshot.blob] : []);
  let booted = false;
  child.on("message", (m) => void (m === "booted" && (booted = true)));
  let [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
  if (snapshot && !booted) {
    process.stderr.write(`[quantscope kernel] the kernel could not start from its snapshot ${snapshot.blob} (${signal ?? `exit ${code}`}): removed it, starting without\n`);
    discardSnapshot(snapshotDir());
    child = start([]);
    [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
  }
  return signal === null ? (code ?? 1) : 128 + (constants.signals[signal] ?? 0);
}
