import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ResultsStore } from "../../src/store/results.js";
import { sweepTemporaries } from "../../src/store/atomic.js";
import { ArrowDataset } from "../../src/store/arrow-dataset.js";

const appender = fileURLToPath(new URL("./fixtures/append-metrics.js", import.meta.url));
const writer = fileURLToPath(new URL("./fixtures/writer.js", import.meta.url));
const tmp = () => mkdtemp(join(tmpdir(), "qs-tmpfiles-"));
const HOST = hostname().replace(/[^A-Za-z0-9-]/g, "_");

test("an append that fails part-way (file size limit, as a full disk) removes its temporary and names the table and the file", async () => {
  const root = await tmp();
  // `ulimit -f 16`: writes past 8 KiB fail with EFBIG, as they would with ENOSPC on a full disk
  // (both apply to root, where a read-only chmod would not stop the write).
  const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const child = execFile("bash", ["-c", `ulimit -f 16 && exec "${process.execPath}" "${appender}" "${root}" 20000`], (err, out) => resolve({ code: err ? (err.code as number) : 0, stdout: out }));
    void child;
  });
  assert.equal(code, 1, stdout);
  const err = JSON.parse(stdout) as { message: string; code: string };
  assert.equal(err.code, "EFBIG");
  assert.match(err.message, new RegExp(`^cannot append 20000 rows to table 'metrics': cannot write ${join(root, "metrics")}/part-[^ ]+\\.arrow: EFBIG`));
  assert.deepEqual(await readdir(join(root, "metrics")), [], "no temporary left behind");
});

test("opening a table sweeps the temporaries crashed writers left, and only those", async () => {
  const root = await tmp();
  const dir = join(root, "metrics");
  await mkdir(dir);
  const dead = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ["-e", ""]);
    child.on("exit", () => resolve(child.pid!));
  });
  const names = {
    deadWriter: `.part-1.arrow.${dead}@${HOST}.1700000000000.abc.tmp`,
    liveWriter: `.part-2.arrow.${process.pid}@${HOST}.1700000000000.abc.tmp`,
    otherHostNew: `.part-3.arrow.${process.pid}@elsewhere.1700000000000.abc.tmp`,
    otherHostOld: `.part-4.arrow.${process.pid}@elsewhere.1700000000000.abc.tmp`,
    unnamedNew: `.part-5.arrow.${dead}.1700000000000.abc.tmp`,
    unnamedOld: `.part-6.arrow.${dead}.1700000000000.abc.tmp`,
  };
  for (const n of Object.values(names)) await writeFile(join(dir, n), "partial");
  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
  for (const n of [names.otherHostOld, names.unnamedOld]) await utimes(join(dir, n), twoHoursAgo, twoHoursAgo);
  assert.equal((await new ResultsStore(root).read("metrics")).numRows, 0);
  assert.deepEqual((await readdir(dir)).sort(), [names.liveWriter, names.otherHostNew, names.unnamedNew].sort());
});

test("a sweep never takes a live writer's temporary, even with no age limit: a concurrent writer in another process loses nothing", async () => {
  const dir = await tmp();
  const child = spawn(process.execPath, [writer, dir, "20", "100000", "w"], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  let running = true;
  void exited.then(() => { running = false; });
  let sweepsBesideATemporary = 0;
  while (running) {
    const before = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith(".tmp"));
    await sweepTemporaries(dir, { maxAgeMs: 0 });
    if (before.length > 0) sweepsBesideATemporary++;
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(await exited, 0, "every rename found its temporary");
  assert.ok(sweepsBesideATemporary > 0, "some sweeps ran while a write was in flight");
  const { table } = await new ArrowDataset(dir).read();
  assert.equal(table!.numRows, 20 * 100000);
});
