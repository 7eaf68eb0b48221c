/**
 * The kernel process proper, forked by the supervisor (supervisor.ts) with the connection file as
 * its argument. It tells the supervisor when an execute request starts and ends, so that a death no
 * JavaScript here can report (a full heap) is still answered; and it ends when the supervisor is
 * gone, as nothing would then answer for it.
 */
import { Kernel, type ExecuteObserver } from "./server.js";
import type { SupervisorNotice } from "./supervisor-protocol.js";

const file = process.argv[2];
if (!file || !process.send) {
  console.error("kernel-process: run by `quantscope kernel -f CONNECTION_FILE`, which supervises it");
  process.exit(2);
}
const send = (notice: SupervisorNotice): void => void process.send!(notice);
// First thing: node got this far, so a start-up snapshot it was given is one it can start from.
send({ type: "booted" });

const observer: ExecuteObserver = {
  executeStarted: (msg, executionCount) => send({ type: "execute", identities: msg.identities.map((id) => id.toString("base64")), header: msg.header, executionCount }),
  executeEnded: () => send({ type: "executed" }),
};

// The supervisor gone (killed by SIGKILL alone): this kernel's ports must be freed for the next one.
// A cell spinning in a loop keeps this event from firing; the control thread watches for that case.
// SIGKILL, as there: nothing is left to save, and process.exit with zeromq sockets open aborts.
process.on("disconnect", () => process.kill(process.pid, "SIGKILL"));
process.channel?.unref();

try {
  await Kernel.fromFile(file, observer).start();
} catch (err) {
  // Exit now: zeromq's threads would otherwise keep a kernel that never started alive.
  console.error(`quantscope kernel: ${(err as Error).message}`);
  process.exit(1);
}
