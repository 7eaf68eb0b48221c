/**
 * `quantscope kernel -f` on a connection file it cannot use: one clear line naming the file and the
 * field or socket, and exit status 1 — never a native abort (134) or a process that never exits.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI } from "../helpers/package.js";

const dir = mkdtempSync(join(tmpdir(), "qs-conn-"));

function connectionFile(name: string, content: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

const good = { transport: "tcp", ip: "127.0.0.1", shell_port: 0, iopub_port: 0, stdin_port: 0, control_port: 0, hb_port: 0, key: "k", signature_scheme: "hmac-sha256" };

/** Runs the kernel on a file. The timeout only stops a kernel that would hang; the test asserts on its exit status and message. */
function runKernel(file: string): { status: number | null; signal: NodeJS.Signals | null; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, "kernel", "-f", file], { encoding: "utf8", timeout: 60_000, killSignal: "SIGKILL" });
  return { status: r.status, signal: r.signal, stderr: r.stderr };
}

function assertRefused(file: string, message: RegExp): void {
  const r = runKernel(file);
  assert.equal(r.signal, null, `the kernel did not exit by itself (killed by ${r.signal}); stderr:\n${r.stderr}`);
  assert.equal(r.status, 1, `exit status ${r.status}; stderr:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /Napi::Error|terminate called/);
  assert.ok(r.stderr.includes(file), `the message names the file:\n${r.stderr}`);
  assert.match(r.stderr, message);
}

async function listening(): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}
const portOf = (s: Server) => (s.address() as { port: number }).port;

test("an empty connection file is refused, naming the missing field", () => {
  assertRefused(connectionFile("empty.json", {}), /ip is missing/);
});

test("a file that is not JSON is refused", () => {
  assertRefused(connectionFile("garbage.json", "{not json"), /cannot be read as JSON/);
});

test("transport udp is refused, listing tcp and ipc", () => {
  assertRefused(connectionFile("udp.json", { ...good, transport: "udp", shell_port: 1, iopub_port: 2, stdin_port: 3, control_port: 4, hb_port: 5 }), /transport "udp" is not supported \(use one of: tcp, ipc\)/);
});

test("an ip that is not this machine's is refused", () => {
  assertRefused(connectionFile("ip.json", { ...good, ip: "8.8.8.8", shell_port: 1, iopub_port: 2, stdin_port: 3, control_port: 4, hb_port: 5 }), /ip "8\.8\.8\.8" is not an address of this machine/);
});

test("bad ports, a repeated port and an unknown signature scheme are refused by name", () => {
  const ports = { shell_port: 50001, iopub_port: 50002, stdin_port: 50003, control_port: 50004, hb_port: 50005 };
  assertRefused(connectionFile("port.json", { ...good, ...ports, hb_port: 70000 }), /hb_port is 70000, not a port number/);
  assertRefused(connectionFile("same.json", { ...good, ...ports, iopub_port: 50001 }), /iopub_port and shell_port are both 50001/);
  assertRefused(connectionFile("scheme.json", { ...good, ...ports, signature_scheme: "hmac-md5" }), /signature_scheme "hmac-md5" is not supported \(use one of: hmac-sha256\)/);
  assertRefused(connectionFile("key.json", { ...good, ...ports, key: 5 }), /key must be a string/);
});

for (const socket of ["shell", "heartbeat"] as const) {
  test(`a ${socket} port already in use ends the kernel with a message naming the socket and address`, async () => {
    const servers = await Promise.all([0, 1, 2, 3, 4].map(() => listening()));
    const [shell, iopub, stdin, control, hb] = servers.map(portOf) as [number, number, number, number, number];
    // Free every port but the one under test, so only that socket's bind fails.
    const busy = socket === "shell" ? shell : hb;
    await Promise.all(servers.filter((s) => portOf(s) !== busy).map((s) => new Promise((r) => s.close(r))));
    try {
      const file = connectionFile(`busy-${socket}.json`, { ...good, shell_port: shell, iopub_port: iopub, stdin_port: stdin, control_port: control, hb_port: hb });
      assertRefused(file, new RegExp(`cannot bind the ${socket} socket to tcp://127\\.0\\.0\\.1:${busy}: Address already in use`));
    } finally {
      await Promise.all(servers.filter((s) => s.listening).map((s) => new Promise((r) => s.close(r))));
    }
  });
}
