/**
 * The kernel's SIGINT relay (kernel/sigint-relay.ts), in a child process of its own (it takes the
 * process's SIGINT): node's watchdog thread stays up across `breakOnSigint` scripts, a SIGINT stops a
 * running script and reaches the handler between scripts, and a listener added by a cell makes the
 * relay step aside without a SIGINT ever ending the process. Threads are counted in /proc (Linux).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../helpers/package.js";

const PROBE = `
import vm from "node:vm";
import { readdirSync } from "node:fs";
import { relaySigint } from ${JSON.stringify(join(ROOT, "dist/kernel/sigint-relay.js"))};
const threads = () => readdirSync("/proc/self/task").length;
globalThis.threads = threads;
const heard = [];
const nextSigint = () => new Promise((resolve) => setTimeout(resolve, 50)).then(() => heard.length);
let onSigint = () => heard.push("handler");
await relaySigint(() => onSigint());
const out = {};
// A script run with breakOnSigint adds no thread (the watchdog is up already).
const outside = threads();
out.threadsAdded = vm.runInThisContext("threads()", { breakOnSigint: true }) - outside;
// A SIGINT during a script stops it; the handler does not hear it.
const loop = () => {
  try { vm.runInThisContext("{ const t = Date.now(); for (;;) if (Date.now() - t > 20000) break; }", { breakOnSigint: true }); return "not stopped"; }
  catch (e) { return e.message; }
};
// The timer cannot fire while the loop runs on this thread: a worker raises the signal.
const { Worker } = await import("node:worker_threads");
const raiseIn = (ms) => new Worker("setTimeout(() => process.kill(process.pid, 'SIGINT'), " + ms + ")", { eval: true });
raiseIn(300);
out.loop = loop();
out.heardAfterLoop = await nextSigint();
// Between scripts the handler hears it.
process.kill(process.pid, "SIGINT");
out.heardIdle = await nextSigint();
// A cell's own listener: the relay steps aside, and the kernel's handler becomes a listener.
const mine = [];
process.on("SIGINT", () => mine.push("cell's listener"));
process.kill(process.pid, "SIGINT");
out.idleAfterListener = { handler: await nextSigint(), listener: mine.length };
raiseIn(300);
out.loopAfterListener = loop();
out.alive = true;
console.log(JSON.stringify(out));
process.exit(0);
`;

test("the SIGINT relay keeps node's watchdog up, and every SIGINT stops a script or reaches the kernel, listener or not", (t) => {
  if (!existsSync("/proc/self/task")) return t.skip("threads are counted in /proc (Linux)");
  const dir = mkdtempSync(join(tmpdir(), "qs-sigint-"));
  const probe = join(dir, "probe.mjs");
  writeFileSync(probe, PROBE);
  const r = spawnSync(process.execPath, [probe], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, `probe ended ${r.status ?? r.signal}: ${r.stderr}`);
  assert.deepEqual(JSON.parse(r.stdout.trim().split("\n").pop()!), {
    threadsAdded: 0,
    loop: "Script execution was interrupted by `SIGINT`",
    heardAfterLoop: 0,
    heardIdle: 1,
    idleAfterListener: { handler: 2, listener: 1 },
    loopAfterListener: "Script execution was interrupted by `SIGINT`",
    alive: true,
  });
});
