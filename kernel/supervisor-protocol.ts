/**
 * What the kernel process and its supervisor (supervisor.ts) share: the notices the kernel sends
 * over the IPC channel, how a death is described to the client, and the environment variable that
 * gives the kernel its supervisor's pid.
 */
import type { Header } from "./wire.js";

/** What the kernel process tells its supervisor over the IPC channel. */
export type SupervisorNotice =
  | {
      readonly type: "execute";
      /** ZeroMQ routing identities of the request (base64): where its execute_reply must go. */
      readonly identities: readonly string[];
      readonly header: Header;
      readonly executionCount: number;
    }
  | { readonly type: "executed" }
  /** The first notice: node started the kernel process (from the start-up snapshot, when given one). */
  | { readonly type: "booted" };

/** The execute request the kernel is running. */
export type ExecuteNotice = Extract<SupervisorNotice, { type: "execute" }>;

/** Why the kernel died, as the `ename`/`evalue` of the error its client is sent. */
export interface Death {
  readonly ename: string;
  readonly evalue: string;
}

/** The environment variable that gives the kernel its supervisor's pid. */
export const SUPERVISOR_PID_ENV = "QUANTSCOPE_KERNEL_SUPERVISOR_PID";
