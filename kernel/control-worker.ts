/**
 * The control and heartbeat sockets, on their own thread. The main thread runs user code, and a
 * synchronous loop there blocks its event loop: a heartbeat answered from it would stop (front ends
 * then call the kernel dead) and an `interrupt_request` would wait behind the very loop it is meant
 * to stop. Here, a verified `interrupt_request` raises SIGINT at once, which breaks the running
 * script (tslab runs cells with `breakOnSigint`); every control message is then handed to the main
 * thread, which answers it as usual through {@link ControlRequest} replies posted back.
 */
import { parentPort, workerData } from "node:worker_threads";
import * as zmq from "zeromq";
import { isRunning } from "../src/is-running.js";
import { bindSocket } from "./connection.js";
import { SUPERVISOR_PID_ENV } from "./supervisor-protocol.js";
import { parseMessage, Signer, WireError } from "./wire.js";

/** What the main thread gives the worker. */
export interface ControlWorkerData {
  /** The connection file, for error messages. */
  readonly file: string;
  readonly controlUrl: string;
  readonly hbUrl: string;
  readonly key: string;
  readonly scheme: string;
  readonly maxMessageBytes: number;
}

/** What the worker tells the main thread, besides control messages (frames) to answer. */
export type ControlWorkerEvent = "ready" | "closed" | { bindError: string };

const data = workerData as ControlWorkerData;
const port = parentPort!;
const signer = new Signer(data.key, data.scheme);
const control = new zmq.Router();
const hb = new zmq.Reply();
const log = (text: string): void => void process.stderr.write(`[quantscope kernel] ${text}\n`);

async function heartbeat(): Promise<void> {
  for await (const frames of hb) await hb.send(frames);
}

// Replies from the main thread, sent one at a time (a zeromq socket allows one send in flight).
let sending: Promise<void> = Promise.resolve();
// "close" (at shutdown) waits for the replies already queued, so shutdown_reply still goes out.
port.on("message", (frames: Uint8Array[] | "close") => {
  if (frames === "close") {
    void sending.then(() => {
      control.close();
      hb.close();
      port.postMessage("closed");
    });
    return;
  }
  sending = sending.then(() => control.send(frames)).catch((err: Error) => log(`control send failed: ${err.message}`));
});

async function listen(): Promise<void> {
  for await (const frames of control) {
    const size = frames.reduce((a, f) => a + f.length, 0);
    if (size > data.maxMessageBytes) {
      log(`rejected a ${size}-byte control message (limit ${data.maxMessageBytes})`);
      continue;
    }
    try {
      // Verified here too: a forged message must never raise SIGINT.
      if (parseMessage(frames, signer).header.msg_type === "interrupt_request") process.kill(process.pid, "SIGINT");
    } catch (err) {
      log(`rejected control message: ${err instanceof WireError ? err.message : (err as Error).stack}`);
      continue;
    }
    port.postMessage(frames);
  }
}

/**
 * Ends the kernel when the process that started it (jupyter_client sets JPY_PARENT_PID) is gone, as
 * ipykernel does, so no kernel is orphaned; and when its supervisor is gone (this process then has
 * another parent), so its ports are free for the kernel that replaces it. Watched from this thread
 * because the main thread may be stuck in a loop nobody will ever interrupt; SIGKILL, because with
 * the parent gone nothing is left to save and a spinning main thread would never run an exit handler.
 */
function watchParent(): void {
  const starter = Number(process.env.JPY_PARENT_PID);
  const supervisor = Number(process.env[SUPERVISOR_PID_ENV]);
  if (!starter && !supervisor) return;
  setInterval(() => {
    if (supervisor && process.ppid !== supervisor) return exit(`supervisor process ${supervisor} is gone`);
    if (starter && !isRunning(starter)) exit(`parent process ${starter} is gone`);
  }, 2000);
}

function exit(why: string): void {
  log(`${why}: exiting`);
  process.kill(process.pid, "SIGKILL");
}

// A bind failure must reach the main thread as a message: thrown here, it would end the worker
// with an error that the native addon can turn into a process abort.
try {
  await bindSocket(control, "control", data.controlUrl, data.file);
  await bindSocket(hb, "heartbeat", data.hbUrl, data.file);
} catch (err) {
  control.close();
  hb.close();
  port.postMessage({ bindError: (err as Error).message } satisfies ControlWorkerEvent);
  port.close();
}
if (!control.closed) {
  watchParent();
  port.postMessage("ready" satisfies ControlWorkerEvent);
  void heartbeat();
  void listen();
}
