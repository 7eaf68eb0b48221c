/**
 * The supervisor's last act for a kernel that died mid-cell (see supervisor.ts): on the iopub and
 * shell ports the dead kernel freed, it sends the `error`, the `execute_reply` and the idle status
 * the kernel could not send, signed with the connection file's key. The client's sockets reconnect
 * to the same ports by themselves; this waits for them, within a bound, because ZeroMQ drops what is
 * sent to a peer that has not yet (re)connected. Loaded only at the moment of death.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import * as zmq from "zeromq";
import { bindSocket, readConnectionFile, socketUrl } from "./connection.js";
import type { Death, ExecuteNotice } from "./supervisor-protocol.js";
import { makeMessage, serializeMessage, Signer, type Json, type Message } from "./wire.js";

/** How long the client gets to reconnect before the report is given up (ZeroMQ retries every 100 ms). */
const RECONNECT_WAIT_MS = Number(process.env.QUANTSCOPE_KERNEL_DEATH_REPORT_MS ?? 5000);
/** After a subscriber arrives, how long to wait for more (a Jupyter server has one per open notebook tab). */
const MORE_SUBSCRIBERS_MS = 250;
/** How long closing waits for queued messages to be written. */
const LINGER_MS = 2000;

const errorCode = (err: unknown): string | undefined => (err as { code?: string }).code;

/**
 * Waits until at least one subscriber is on `iopub` and no other has come for a short while, or
 * until `deadline`. A SUB socket that reconnects sends its subscription, which an XPUB receives;
 * messages published before it would be lost to that subscriber.
 */
async function awaitSubscribers(iopub: zmq.XPublisher, deadline: number): Promise<number> {
  let subscribers = 0;
  for (;;) {
    const wait = subscribers > 0 ? MORE_SUBSCRIBERS_MS : deadline - Date.now();
    if (wait <= 0) return subscribers;
    iopub.receiveTimeout = wait;
    try {
      const [frame] = await iopub.receive();
      if (frame?.[0] === 1) subscribers++;
    } catch (err) {
      if (errorCode(err) === "EAGAIN") return subscribers;
      throw err;
    }
  }
}

/** Sends to the routing identity at the head of `frames` once that peer has reconnected, or gives up at `deadline`. */
async function sendWhenConnected(shell: zmq.Router, frames: Buffer[], deadline: number): Promise<boolean> {
  for (;;) {
    try {
      await shell.send(frames);
      return true;
    } catch (err) {
      if (errorCode(err) !== "EHOSTUNREACH" || Date.now() >= deadline) return false;
      await sleep(50);
    }
  }
}

/**
 * Tells the client of the execute request `request` that the kernel died and why: an iopub `error`
 * (and, when `replyOnShell`, the `execute_reply` with status error and the idle status that end the
 * request). `replyOnShell` is false when the kernel died between cells, where no request awaits a
 * reply: the error is then only shown under the last cell.
 */
export async function reportDeath(connectionFile: string, death: Death, request: ExecuteNotice, opts: { replyOnShell: boolean }): Promise<void> {
  const conn = readConnectionFile(connectionFile);
  const signer = new Signer(conn.key, conn.signature_scheme);
  const session = randomUUID();
  const parent: Message = { identities: request.identities.map((id) => Buffer.from(id, "base64")), header: request.header, parent_header: {}, metadata: {}, content: {}, buffers: [] };
  const error: Json = { ename: death.ename, evalue: death.evalue, traceback: [`${death.ename}: ${death.evalue}`] };
  const iopubFrames = (msgType: string, content: Json) => serializeMessage(makeMessage(msgType, content, parent, session, { identities: [Buffer.from(msgType)] }), signer);

  const iopub = new zmq.XPublisher({ sendHighWaterMark: 0, linger: LINGER_MS });
  iopub.verbosity = "allSubs";
  const shell = new zmq.Router({ mandatory: true, linger: LINGER_MS });
  try {
    await bindSocket(iopub, "iopub", socketUrl(conn, conn.iopub_port), connectionFile);
    if (opts.replyOnShell) await bindSocket(shell, "shell", socketUrl(conn, conn.shell_port), connectionFile);
    const deadline = Date.now() + RECONNECT_WAIT_MS;
    const published = (async () => {
      if ((await awaitSubscribers(iopub, deadline)) === 0) return false;
      await iopub.send(iopubFrames("error", error));
      if (opts.replyOnShell) await iopub.send(iopubFrames("status", { execution_state: "idle" }));
      return true;
    })();
    const replied = opts.replyOnShell
      ? sendWhenConnected(shell, serializeMessage(makeMessage("execute_reply", { status: "error", execution_count: request.executionCount, ...error }, parent, session), signer), deadline)
      : Promise.resolve(true);
    const [onIopub, onShell] = await Promise.all([published, replied]);
    if (!onIopub) throw new Error(`no client subscribed to iopub within ${RECONNECT_WAIT_MS} ms`);
    if (!onShell) throw new Error(`the client of request ${request.header.msg_id} did not reconnect to shell within ${RECONNECT_WAIT_MS} ms`);
  } finally {
    iopub.close();
    shell.close();
  }
}
