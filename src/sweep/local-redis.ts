import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Why redis-server cannot run here, or null when it can. */
export function redisMissing(): string | null {
  const r = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  return r.error ? `redis-server not found (${r.error.message}); Debian: apt-get install redis-server` : null;
}

/** A free TCP port on 127.0.0.1 (the OS picks it; the socket is closed before Redis binds it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const port = (server.address() as { port: number }).port;
  await new Promise((ok) => server.close(ok));
  return port;
}

/**
 * A private redis-server for tests, benchmarks and a sweep on one machine: Debian's `redis-server`
 * on a free 127.0.0.1 port with its data in a fresh temporary folder. The append-only file (fsynced
 * on every write) keeps the queue across {@link restart}. Never a system service.
 */
export class LocalRedis {
  #proc: ChildProcess | null = null;
  #log = "";
  readonly dir = mkdtempSync(join(tmpdir(), "quantscope-redis-"));
  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<LocalRedis> {
    const r = new LocalRedis(await freePort());
    await r.#spawn();
    return r;
  }

  async #spawn(): Promise<void> {
    this.#log = "";
    const proc = spawn("redis-server", ["--port", String(this.port), "--bind", "127.0.0.1", "--dir", this.dir, "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--protected-mode", "yes"], { stdio: ["ignore", "pipe", "pipe"] });
    this.#proc = proc;
    proc.stdout!.on("data", (d: Buffer) => { this.#log += d.toString(); });
    proc.stderr!.on("data", (d: Buffer) => { this.#log += d.toString(); });
    const deadline = Date.now() + 20_000;
    while (!this.#log.includes("Ready to accept connections") && proc.exitCode === null) {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not become ready within 20 s:\n${this.#log}`);
      await new Promise((ok) => setTimeout(ok, 50));
    }
    if (proc.exitCode !== null) throw new Error(`redis-server exited (${proc.exitCode}):\n${this.#log}`);
  }

  /** Stops Redis (SIGTERM, as a service manager would) and waits for it to exit. */
  async stop(): Promise<void> {
    const proc = this.#proc;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((ok) => proc.once("exit", ok));
    proc.kill("SIGTERM");
    await Promise.race([exited, new Promise((_, fail) => setTimeout(() => fail(new Error(`redis-server on port ${this.port} did not exit within 20 s of SIGTERM`)), 20_000).unref())]);
    this.#proc = null;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.#spawn();
  }

  /** Stops Redis and removes its folder. */
  async dispose(): Promise<void> {
    try {
      await this.stop();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
