import { randomUUID } from "node:crypto";
import type { MimeBundle } from "../display.js";

type Json = Record<string, unknown>;

/** A message that arrived on a comm from the front end. */
export interface CommMessage {
  readonly content: Json & { comm_id: string; data: Json };
  readonly metadata: Json;
  readonly buffers: DataView[];
}

/**
 * How comm traffic leaves the process. The kernel installs one that publishes on iopub, parented to
 * the request being handled; outside a kernel there is none and comms keep their state locally.
 */
export interface CommTransport {
  send(msgType: "comm_open" | "comm_msg" | "comm_close", content: Json, metadata?: Json, buffers?: readonly ArrayBufferView[]): void;
  /** `display_data`; with `transient.display_id` the output can later be replaced. */
  display(data: MimeBundle, metadata?: Json, transient?: Json): void;
  /** `update_display_data` for an output shown with a display id. */
  updateDisplay?(data: MimeBundle, metadata: Json, transient: Json): void;
  /** `clear_output`; with `wait`, the front end clears when the next output arrives. */
  clearOutput?(wait: boolean): void;
}

/** One end of a Jupyter comm, kernel side. */
export class Comm {
  private readonly msgHandlers = new Set<(msg: CommMessage) => void>();
  private readonly closeHandlers = new Set<(msg: CommMessage | null) => void>();
  closed = false;

  constructor(readonly id: string, readonly targetName: string, private readonly manager: CommManager) {}

  /** Sends `comm_msg` with `data` and binary buffers. */
  send(data: Json, metadata: Json = {}, buffers: readonly ArrayBufferView[] = []): void {
    if (this.closed) throw new Error(`comm ${this.id} is closed`);
    this.manager.transport?.send("comm_msg", { comm_id: this.id, data }, metadata, buffers);
  }

  close(data: Json = {}): void {
    if (this.closed) return;
    this.closed = true;
    this.manager.transport?.send("comm_close", { comm_id: this.id, data });
    this.manager.forget(this.id);
  }

  onMsg(fn: (msg: CommMessage) => void): () => void {
    this.msgHandlers.add(fn);
    return () => this.msgHandlers.delete(fn);
  }

  onClose(fn: (msg: CommMessage | null) => void): () => void {
    this.closeHandlers.add(fn);
    return () => this.closeHandlers.delete(fn);
  }

  /** @internal Delivers a front-end message to this comm's handlers. */
  deliver(msg: CommMessage): void {
    for (const fn of this.msgHandlers) fn(msg);
  }

  /** @internal The front end closed the comm. */
  remoteClose(msg: CommMessage): void {
    this.closed = true;
    for (const fn of this.closeHandlers) fn(msg);
  }
}

/** Handles a `comm_open` from the front end for a registered target. */
export type TargetHandler = (comm: Comm, msg: CommMessage) => void;

/**
 * The kernel-side registry of comms and comm targets. There is one per process ({@link commManager}),
 * shared through `globalThis` so that two copies of this module (a notebook's `quantscope` import and
 * the kernel's own) still talk to the same registry.
 */
export class CommManager {
  transport: CommTransport | null = null;
  private readonly comms = new Map<string, Comm>();
  private readonly targets = new Map<string, TargetHandler>();

  /** Opens a comm from the kernel side (`comm_open` to the front end). */
  open(targetName: string, data: Json, metadata: Json = {}, buffers: readonly ArrayBufferView[] = [], id: string = randomUUID().replaceAll("-", "")): Comm {
    const comm = new Comm(id, targetName, this);
    this.comms.set(id, comm);
    this.transport?.send("comm_open", { comm_id: id, target_name: targetName, data }, metadata, buffers);
    return comm;
  }

  registerTarget(name: string, handler: TargetHandler): void {
    this.targets.set(name, handler);
  }

  /** Open comms by id and target (what `comm_info_request` reports). */
  list(targetName?: string): Record<string, { target_name: string }> {
    const out: Record<string, { target_name: string }> = {};
    for (const [id, c] of this.comms) if (!targetName || c.targetName === targetName) out[id] = { target_name: c.targetName };
    return out;
  }

  get(id: string): Comm | undefined {
    return this.comms.get(id);
  }

  /**
   * A front-end `comm_open`. Returns false when no target of that name is registered: the kernel
   * must then answer with `comm_close`, as the protocol asks.
   */
  handleOpen(msg: CommMessage & { content: { target_name: string } }): boolean {
    const handler = this.targets.get(msg.content.target_name);
    if (!handler) return false;
    const comm = new Comm(msg.content.comm_id, msg.content.target_name, this);
    this.comms.set(comm.id, comm);
    handler(comm, msg);
    return true;
  }

  /** A front-end `comm_msg`; false for an unknown comm id (logged by the caller, never fatal). */
  handleMsg(msg: CommMessage): boolean {
    const comm = this.comms.get(msg.content.comm_id);
    if (!comm) return false;
    comm.deliver(msg);
    return true;
  }

  handleClose(msg: CommMessage): boolean {
    const comm = this.comms.get(msg.content.comm_id);
    if (!comm) return false;
    this.comms.delete(comm.id);
    comm.remoteClose(msg);
    return true;
  }

  /** @internal */
  forget(id: string): void {
    this.comms.delete(id);
  }
}

const KEY = Symbol.for("quantscope.commManager");

/** The process-wide comm manager. */
export const commManager: CommManager = ((globalThis as Record<symbol, unknown>)[KEY] ??= new CommManager()) as CommManager;

/** A transport that records what would be sent: for tests and for use outside a kernel. */
export class MemoryTransport implements CommTransport {
  readonly sent: { msgType: string; content: Json; metadata: Json; buffers: ArrayBufferView[] }[] = [];
  readonly displayed: { data: MimeBundle; metadata: Json }[] = [];

  send(msgType: "comm_open" | "comm_msg" | "comm_close", content: Json, metadata: Json = {}, buffers: readonly ArrayBufferView[] = []): void {
    this.sent.push({ msgType, content, metadata, buffers: [...buffers] });
  }

  display(data: MimeBundle, metadata: Json = {}): void {
    this.displayed.push({ data, metadata });
  }
}
