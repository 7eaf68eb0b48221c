import { Worker } from "node:worker_threads";
import * as zmq from "zeromq";
import { commManager, type CommMessage, type CommTransport } from "../src/jupyter/comm.js";
import { toMimeBundle } from "../src/jupyter/output.js";
import "../src/jupyter/widget.js";
import { QUANTSCOPE_VERSION } from "../src/package-root.js";
import { bindSocket, readConnectionFile, socketUrl, type ConnectionInfo } from "./connection.js";
import type { ControlWorkerData, ControlWorkerEvent } from "./control-worker.js";
import { CellExecutor } from "./executor.js";
import { History, type HistoryRequest } from "./history.js";
import { relaySigint } from "./sigint-relay.js";
import { buildSnapshotInBackground, snapshotDir, snapshotsEnabled, snapshotToRefresh, typescriptPath } from "./snapshot.js";
import { makeMessage, parseMessage, serializeMessage, Signer, WireError, type Json, type Message } from "./wire.js";

/** Where replies to a request go: a socket, or the control worker's queue. */
interface Replier {
  send(frames: Buffer[]): Promise<void>;
}

/** Told when an execute request starts and ends: the supervisor answers for a kernel that dies mid-cell. */
export interface ExecuteObserver {
  executeStarted(msg: Message, executionCount: number): void;
  executeEnded(): void;
}

/** Messages larger than this are refused unread: a runaway front end must not exhaust memory. */
const MAX_MESSAGE_BYTES = Number(process.env.QUANTSCOPE_KERNEL_MAX_MESSAGE_BYTES ?? 256 << 20);

const realStderr = process.stderr.write.bind(process.stderr);
function log(text: string): void {
  realStderr(`[quantscope kernel] ${text}\n`);
}

/** Code points → UTF-16 offset (the protocol counts code points, TypeScript counts UTF-16 units). */
function toUtf16(code: string, cursor: number): number {
  return Array.from(code).slice(0, cursor).join("").length;
}
function toCodePoints(code: string, offset: number): number {
  return Array.from(code.slice(0, offset)).length;
}

/**
 * The quantscope Jupyter kernel: ZeroMQ sockets per the connection file, a correct wire layer
 * (signatures over the four JSON parts, binary buffers as raw frames), busy/idle around every
 * shell message, tslab's TypeScript execution, and comms for widgets.
 */
export class Kernel {
  private readonly signer: Signer;
  private readonly session = crypto.randomUUID();
  private readonly shell = new zmq.Router();
  private readonly stdin = new zmq.Router();
  /** No high-water mark: a PUB socket silently drops messages past it, so a front end slow to drain
   * a burst (1,000 comm messages mean 2,000 busy/idle) would lose the replies that follow. */
  private readonly iopub = new zmq.Publisher({ sendHighWaterMark: 0 });
  /** Control and heartbeat live on a worker thread (see control-worker.ts); replies go through it. */
  private controlWorker!: Worker;
  private readonly control: Replier = { send: async (frames) => this.controlWorker.postMessage(frames) };
  private executor!: CellExecutor;
  private executionCount = 0;
  private readonly history = new History();
  /** The shell message being handled, or the last execute request (for output from async work). */
  private parent: Message | null = null;
  private queue: Promise<void> = Promise.resolve();
  private iopubQueue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly conn: ConnectionInfo, private readonly file = "(given)", private readonly observer?: ExecuteObserver) {
    this.signer = new Signer(conn.key, conn.signature_scheme);
  }

  /** A kernel for a connection file, checked up front (see {@link readConnectionFile}). */
  static fromFile(path: string, observer?: ExecuteObserver): Kernel {
    return new Kernel(readConnectionFile(path), path, observer);
  }

  private url(port: number): string {
    return socketUrl(this.conn, port);
  }

  /**
   * Binds every socket, then starts answering. A socket that cannot bind (a port in use, an address
   * not of this machine) rejects with an error naming the socket, the address and the connection
   * file, after the sockets already bound are closed and the control thread is ended, so the
   * process can exit instead of lingering on open sockets.
   */
  async start(): Promise<void> {
    try {
      await bindSocket(this.shell, "shell", this.url(this.conn.shell_port), this.file);
      await bindSocket(this.stdin, "stdin", this.url(this.conn.stdin_port), this.file);
      await bindSocket(this.iopub, "iopub", this.url(this.conn.iopub_port), this.file);
      await this.startControlWorker();
    } catch (err) {
      for (const s of [this.shell, this.stdin, this.iopub]) s.close();
      await this.controlWorker?.terminate();
      throw err;
    }
    // Its thread starts while the executor is made.
    const sigint = relaySigint(() => this.executor.interrupt());
    this.executor = new CellExecutor(process.cwd());
    this.refreshSnapshot();
    this.captureOutput();
    commManager.transport = this.transport();
    await sigint;
    // A bug in user code's async callbacks must not take the kernel down with it.
    process.on("uncaughtException", (err) => this.stream("stderr", `Uncaught ${err.stack ?? err}\n`));
    process.on("unhandledRejection", (reason) => this.stream("stderr", `Unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}\n`));
    void this.listen(this.shell, (m) => (this.queue = this.queue.then(() => this.handle(this.shell, m))));
    log(`started (pid ${process.pid})`);
  }

  /** A start that parsed files its snapshot lacks (or had none) builds one, in the background, for the next start. */
  private refreshSnapshot(): void {
    if (!snapshotsEnabled()) return;
    try {
      const { files, compilerOptions } = this.executor.startupFiles;
      const spec = snapshotToRefresh(typescriptPath(), files, compilerOptions);
      if (spec && buildSnapshotInBackground(spec)) log(`building a start-up snapshot of ${spec.files.length} declaration files in ${snapshotDir()}`);
    } catch (err) {
      log(`cannot build a start-up snapshot: ${(err as Error).message}`);
    }
  }

  private startControlWorker(): Promise<void> {
    const workerData: ControlWorkerData = {
      file: this.file,
      controlUrl: this.url(this.conn.control_port),
      hbUrl: this.url(this.conn.hb_port),
      key: this.conn.key,
      scheme: this.conn.signature_scheme,
      maxMessageBytes: MAX_MESSAGE_BYTES,
    };
    this.controlWorker = new Worker(new URL("./control-worker.js", import.meta.url), { workerData });
    this.controlWorker.unref();
    return new Promise((resolve, reject) => {
      this.controlWorker.once("error", reject);
      this.controlWorker.on("message", (frames: Uint8Array[] | ControlWorkerEvent) => {
        if (frames === "ready") return resolve();
        if (frames === "closed") return;
        if (!Array.isArray(frames)) return reject(new Error(frames.bindError));
        // Control messages skip the shell queue: interrupt and shutdown must not wait behind a cell.
        this.accept(frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength)), (m) => void this.handle(this.control, m));
      });
    });
  }

  private async listen(sock: zmq.Router, onMessage: (m: Message) => void): Promise<void> {
    for await (const frames of sock) {
      if (this.closed) break;
      this.accept(frames, onMessage);
    }
  }

  /** Size check, signature check and parse; anything wrong is logged and dropped, never run. */
  private accept(frames: Buffer[], onMessage: (m: Message) => void): void {
    const size = frames.reduce((a, f) => a + f.length, 0);
    if (size > MAX_MESSAGE_BYTES) {
      log(`rejected a ${size}-byte message (limit ${MAX_MESSAGE_BYTES})`);
      return;
    }
    try {
      onMessage(parseMessage(frames, this.signer));
    } catch (err) {
      if (err instanceof WireError) log(`rejected message: ${err.message}`);
      else log(`error reading message: ${(err as Error).stack}`);
    }
  }

  private publish(msgType: string, content: Json, parent: Message | null, opts: { metadata?: Json; buffers?: readonly ArrayBufferView[] } = {}): void {
    const msg = makeMessage(msgType, content, parent, this.session, { ...opts, identities: [Buffer.from(msgType)] });
    const frames = serializeMessage(msg, this.signer);
    // zeromq sockets allow one send at a time: chain them.
    this.iopubQueue = this.iopubQueue.then(() => this.iopub.send(frames)).catch((err: Error) => log(`iopub send failed: ${err.message}`));
  }

  private async reply(sock: Replier, parent: Message, msgType: string, content: Json): Promise<void> {
    await sock.send(serializeMessage(makeMessage(msgType, content, parent, this.session), this.signer));
  }

  private stream(name: "stdout" | "stderr", text: string): void {
    if (text) this.publish("stream", { name, text }, this.parent);
  }

  private captureOutput(): void {
    const patch = (name: "stdout" | "stderr") => {
      (process[name] as { write: unknown }).write = (chunk: string | Uint8Array, encoding?: unknown, cb?: unknown) => {
        this.stream(name, typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
        const done = typeof encoding === "function" ? encoding : cb;
        if (typeof done === "function") (done as () => void)();
        return true;
      };
    };
    patch("stdout");
    patch("stderr");
  }

  private transport(): CommTransport {
    return {
      send: (msgType, content, metadata, buffers) => this.publish(msgType, content, this.parent, { metadata, buffers }),
      display: (data, metadata = {}, transient = {}) => this.publish("display_data", { data, metadata, transient }, this.parent),
      updateDisplay: (data, metadata, transient) => this.publish("update_display_data", { data, metadata, transient }, this.parent),
      clearOutput: (wait) => this.publish("clear_output", { wait }, this.parent),
    };
  }

  private async handle(sock: Replier, msg: Message): Promise<void> {
    const type = msg.header.msg_type;
    const previous = this.parent;
    this.parent = msg;
    this.publish("status", { execution_state: "busy" }, msg);
    try {
      await this.dispatch(sock, msg);
    } catch (err) {
      log(`handler for ${type} failed: ${(err as Error).stack}`);
      if (type.endsWith("_request")) {
        await this.reply(sock, msg, type.replace(/_request$/, "_reply"), { status: "error", ename: (err as Error).name, evalue: (err as Error).message, traceback: String((err as Error).stack).split("\n") }).catch(() => undefined);
      }
    } finally {
      this.publish("status", { execution_state: "idle" }, msg);
      if (type === "execute_request") this.observer?.executeEnded();
      // Output from async work started by a cell (timers, training loops) goes to that cell.
      this.parent = type === "execute_request" ? msg : previous;
    }
  }

  private async dispatch(sock: Replier, msg: Message): Promise<void> {
    const c = msg.content;
    switch (msg.header.msg_type) {
      case "kernel_info_request":
        return this.reply(sock, msg, "kernel_info_reply", {
          status: "ok",
          protocol_version: "5.3",
          implementation: "quantscope",
          implementation_version: QUANTSCOPE_VERSION,
          language_info: { name: "typescript", version: "5.0", mimetype: "text/typescript", file_extension: ".ts", codemirror_mode: { name: "javascript", typescript: true } },
          banner: `quantscope ${QUANTSCOPE_VERSION} — TypeScript (tslab) kernel with Jupyter widgets, Node ${process.version}`,
          help_links: [],
        });
      case "execute_request":
        return this.execute(sock, msg);
      case "is_complete_request":
        return this.reply(sock, msg, "is_complete_reply", this.executor.isComplete(String(c.code ?? "")));
      case "complete_request": {
        const code = String(c.code ?? "");
        const r = this.executor.complete(code, toUtf16(code, Number(c.cursor_pos ?? code.length)));
        return this.reply(sock, msg, "complete_reply", { status: "ok", matches: r.matches, cursor_start: toCodePoints(code, r.cursorStart), cursor_end: toCodePoints(code, r.cursorEnd), metadata: {} });
      }
      case "inspect_request": {
        const code = String(c.code ?? "");
        const text = this.executor.inspect(code, toUtf16(code, Number(c.cursor_pos ?? code.length)));
        return this.reply(sock, msg, "inspect_reply", { status: "ok", found: text !== null, data: text ? { "text/plain": text } : {}, metadata: {} });
      }
      case "history_request":
        return this.reply(sock, msg, "history_reply", { status: "ok", history: this.history.query(c as HistoryRequest) });
      case "comm_info_request":
        return this.reply(sock, msg, "comm_info_reply", { status: "ok", comms: commManager.list(typeof c.target_name === "string" ? c.target_name : undefined) });
      case "comm_open": {
        const m = this.commMessage(msg) as CommMessage & { content: { target_name: string } };
        if (!commManager.handleOpen(m)) {
          log(`comm_open for unknown target '${String(c.target_name)}': closing it`);
          this.publish("comm_close", { comm_id: c.comm_id, data: {} }, msg);
        }
        return;
      }
      case "comm_msg":
        if (!commManager.handleMsg(this.commMessage(msg))) log(`comm_msg for unknown comm '${String(c.comm_id)}' ignored`);
        return;
      case "comm_close":
        if (!commManager.handleClose(this.commMessage(msg))) log(`comm_close for unknown comm '${String(c.comm_id)}' ignored`);
        return;
      case "interrupt_request":
        this.executor.interrupt();
        return this.reply(sock, msg, "interrupt_reply", { status: "ok" });
      case "shutdown_request":
        await this.reply(sock, msg, "shutdown_reply", { status: "ok", restart: Boolean(c.restart) });
        return this.shutdown();
      default:
        log(`unknown message type '${msg.header.msg_type}' ignored`);
    }
  }

  private commMessage(msg: Message): CommMessage {
    const content = msg.content as CommMessage["content"];
    if (typeof content.comm_id !== "string") throw new WireError(`${msg.header.msg_type} without a comm_id`);
    content.data ??= {};
    return { content, metadata: msg.metadata, buffers: msg.buffers.map((b) => new DataView(b.buffer, b.byteOffset, b.byteLength)) };
  }

  private async execute(sock: Replier, msg: Message): Promise<void> {
    const code = String(msg.content.code ?? "");
    const silent = Boolean(msg.content.silent);
    if (!silent && msg.content.store_history !== false) this.executionCount++;
    const count = this.executionCount;
    this.observer?.executeStarted(msg, count);
    if (!silent) this.publish("execute_input", { code, execution_count: count }, msg);
    // busy and execute_input on the wire before the cell compiles and runs: a cell that never yields
    // would otherwise hold them back until it ends, and the client reads them while the cell compiles.
    await this.iopubQueue;
    const outcome = await this.executor.execute(code);
    const store = !silent && msg.content.store_history !== false;
    if (outcome.ok) {
      const data = outcome.hasValue && outcome.value !== undefined ? toMimeBundle(outcome.value) : null;
      if (data && !silent) this.publish("execute_result", { execution_count: count, data, metadata: {} }, msg);
      if (store) this.history.add(count, code, data ? String(data["text/plain"] ?? "") : null);
      return this.reply(sock, msg, "execute_reply", { status: "ok", execution_count: count, payload: [], user_expressions: {} });
    }
    const error = { ename: outcome.ename, evalue: outcome.evalue, traceback: outcome.traceback };
    if (store) this.history.add(count, code, null);
    if (!silent) this.publish("error", error, msg);
    return this.reply(sock, msg, "execute_reply", { status: "error", execution_count: count, ...error });
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    await this.iopubQueue;
    commManager.transport = null;
    for (const s of [this.shell, this.stdin, this.iopub]) s.close();
    // Let the worker send what it has queued (the shutdown_reply among it) and close its sockets: a
    // worker terminated with sockets open can abort the process in zeromq's finalisers. At most 3 s,
    // inside the 5 s jupyter_client gives a shutdown before it kills the kernel.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 3000);
      this.controlWorker.on("message", (m) => m === "closed" && (clearTimeout(timer), resolve()));
      this.controlWorker.postMessage("close");
    });
    await this.controlWorker.terminate();
    this.executor.close();
    log("shut down");
    process.exit(0);
  }
}
