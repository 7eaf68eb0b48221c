/**
 * The kernel's supervisor. Some deaths run no JavaScript in the dying process: V8 aborts on a full
 * heap (no handler, no `exit` event), a native addon crashes, the system's OOM killer sends SIGKILL.
 * A kernel that dies so leaves its client waiting for a reply that never comes, with the reason only
 * in the server's log. So `quantscope kernel -f FILE` is this small process and the kernel runs as
 * its child (kernel/kernel-process.ts). The child tells it, over the IPC channel, which execute
 * request it is running; when the child dies mid-cell, this process takes over the freed iopub and
 * shell ports and answers that request with an error saying why (for a full heap: the limit and how
 * to raise it; see death-report.ts), then exits non-zero, so the Jupyter server restarts the kernel
 * as it restarts any dead kernel.
 *
 * The child starts from the kernel's start-up snapshot when a usable one exists (snapshot.ts). A child
 * that dies before its first notice is one node could not start from that blob: the blob is removed
 * and the kernel started again without it.
 *
 * Start-up cost is kept to one node start: this module loads node builtins only (and small modules
 * of ours that load nothing else); zeromq and the wire layer are imported only once the child has died.
 */
import { fork } from "node:child_process";
import { once } from "node:events";
import { constants } from "node:os";
import { getHeapStatistics } from "node:v8";
import { isRunning } from "../src/is-running.js";
import { discardSnapshot, snapshotDir, snapshotsEnabled, typescriptPath, usableSnapshot } from "./snapshot.js";
import { SUPERVISOR_PID_ENV, type Death, type ExecuteNotice, type SupervisorNotice } from "./supervisor-protocol.js";

/** node's words when V8 aborts on a full heap ("Reached heap limit …" / "Ineffective mark-compacts near heap limit …"). */
const OUT_OF_MEMORY = /JavaScript heap out of memory|Reached heap limit|near heap limit/;

/**
 * Signals passed on to the kernel, so they work for launchers that signal the kernel's pid only.
 * jupyter_client signals the whole process group, and the kernel stays in it (so that its SIGKILL
 * takes both processes at once); the kernel then gets a SIGINT twice, the second a moment after the
 * first has stopped the cell, when an interrupt has nothing left to stop.
 */
const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** How much of the kernel's stderr is kept to recognise its last words. */
const STDERR_TAIL = 8192;

/** The kernel's heap limit in words: `--max-old-space-size` from the kernelspec (the child has this process's node flags) or NODE_OPTIONS, or node's default. */
function heapLimit(): string {
  const flag = /(?:^|\s)--max[-_]old[-_]space[-_]size=(\d+)(?:\s|$)/;
  const fromArgv = process.execArgv.map((a) => flag.exec(a)).find(Boolean);
  if (fromArgv) return `${fromArgv[1]} MiB, set by --max-old-space-size in the kernelspec`;
  const fromEnv = flag.exec(process.env.NODE_OPTIONS ?? "");
  if (fromEnv) return `${fromEnv[1]} MiB, set by --max-old-space-size in NODE_OPTIONS`;
  return `node's default, about ${Math.round(getHeapStatistics().heap_size_limit / 2 ** 20)} MiB`;
}

/**
 * Why the kernel died, or null for an ordinary end: exit code 0 (a shutdown request) or a signal
 * that came from outside (SIGTERM from the Jupyter server, passed on here). A full heap is node's
 * abort (SIGABRT) after its out-of-memory words on stderr.
 */
export function describeDeath(code: number | null, signal: NodeJS.Signals | null, stderrTail: string, passedOn: ReadonlySet<string>): Death | null {
  if (signal === "SIGABRT" && OUT_OF_MEMORY.test(stderrTail)) {
    return {
      ename: "OutOfMemory",
      evalue:
        `JavaScript heap out of memory: the kernel's heap is full (limit ${heapLimit()}) and node stopped the kernel; its variables are lost. ` +
        "To raise the limit, reinstall the kernelspec with " +
        "`quantscope kernel install --max-old-space-size MIB` (and the --user, --prefix or --sys-prefix it was installed with).",
    };
  }
  if (signal !== null && !passedOn.has(signal)) {
    const oomKiller = signal === "SIGKILL" ? " (on Linux, the out-of-memory killer does this when the machine runs out of memory)" : "";
    return { ename: "KernelDied", evalue: `the kernel process was killed by ${signal}${oomKiller}; its variables are lost` };
  }
  if (code !== null && code !== 0) return { ename: "KernelDied", evalue: `the kernel process exited with code ${code}; its variables are lost` };
  return null;
}

/** Whether the process that started the kernel (jupyter_client sets JPY_PARENT_PID) is gone: then nobody is listening. */
function starterGone(): boolean {
  const pid = Number(process.env.JPY_PARENT_PID);
  return pid > 0 && !isRunning(pid);
}

/**
 * Runs the kernel for `connectionFile` as a child process with this process's node flags (the
 * kernelspec's `--max-old-space-size` among them) and returns the exit code to end with: the
 * kernel's own, or 128 + the signal that killed it.
 */
export async function superviseKernel(connectionFile: string): Promise<number> {
  const snapshot = snapshotsEnabled() ? usableSnapshot(typescriptPath()) : null;
  let outcome = await runChild(connectionFile, snapshot ? ["--snapshot-blob", snapshot.blob] : []);
  if (snapshot && !outcome.booted) {
    process.stderr.write(`[quantscope kernel] the kernel could not start from its snapshot ${snapshot.blob} (${outcome.signal ?? `exit ${outcome.code}`}): removed it, starting without\n`);
    discardSnapshot(snapshotDir());
    outcome = await runChild(connectionFile, []);
  }
  return outcome.signal === null ? (outcome.code ?? 1) : 128 + (constants.signals[outcome.signal] ?? 0);
}

/** Runs one kernel process to its end and reports a death mid-cell to the client; says whether node started it at all. */
async function runChild(connectionFile: string, execArgv: string[]): Promise<{ booted: boolean; code: number | null; signal: NodeJS.Signals | null }> {
  const child = fork(new URL("./kernel-process.js", import.meta.url), [connectionFile], {
    execArgv: [...process.execArgv, ...execArgv],
    stdio: ["inherit", "inherit", "pipe", "ipc"],
    // Read by the kernel's control thread, which ends the kernel if this process is gone (see control-worker.ts).
    env: { ...process.env, [SUPERVISOR_PID_ENV]: String(process.pid) },
  });

  let booted = false;
  let running: ExecuteNotice | null = null;
  let last: ExecuteNotice | null = null;
  child.on("message", (notice: SupervisorNotice) => {
    if (notice.type === "booted") booted = true;
    else if (notice.type === "execute") running = last = notice;
    else running = null;
  });

  // The kernel's stderr still goes to the Jupyter server's log; its tail is kept for the cause of death.
  let tail = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    process.stderr.write(chunk);
    tail = (tail + chunk.toString("utf8")).slice(-STDERR_TAIL);
  });
  const stderrEnded = once(child.stderr!, "end");

  const passedOn = new Set<string>();
  const forward = (signal: NodeJS.Signals) => {
    // After the kernel's death, only the report is left: a request to end ends it.
    if (child.exitCode !== null || child.signalCode !== null) {
      if (signal !== "SIGINT") process.exit(128 + constants.signals[signal]);
      return;
    }
    passedOn.add(signal);
    child.kill(signal);
  };
  for (const signal of FORWARDED) process.on(signal, forward);

  const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
  // The last words were written before the exit but may not have been read yet.
  // (Bounded: a process the cell started may hold the pipe open.)
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([stderrEnded, new Promise((r) => (timer = setTimeout(r, 1000)))]);
  clearTimeout(timer);

  const death = booted ? describeDeath(code, signal, tail, passedOn) : null;
  const parent = running ?? (death?.ename === "OutOfMemory" ? last : null);
  if (death && parent && !starterGone()) {
    process.stderr.write(`[quantscope kernel] ${death.ename}: ${death.evalue}\n`);
    const { reportDeath } = await import("./death-report.js");
    try {
      await reportDeath(connectionFile, death, parent, { replyOnShell: running !== null });
    } catch (err) {
      process.stderr.write(`[quantscope kernel] could not tell the client that the kernel died: ${(err as Error).message}\n`);
    }
  }
  for (const signal of FORWARDED) process.off(signal, forward);
  return { booted, code, signal };
}
