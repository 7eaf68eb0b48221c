/** `quantscope report` errors, and the temporary kernelspec folder it must not leave behind. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI } from "../helpers/package.js";
import { jupyterMissing } from "../helpers/jupyter.js";

const missing = jupyterMissing();

/** Runs `report` with a private TMPDIR, so the test sees exactly the temporary folders this run made. */
function report(args: string[]): { status: number | null; out: string; leftovers: string[] } {
  const tmp = mkdtempSync(join(tmpdir(), "qs-report-tmp-"));
  const r = spawnSync(process.execPath, [CLI, "report", ...args], { encoding: "utf8", env: { ...process.env, TMPDIR: tmp }, timeout: 300_000, killSignal: "SIGKILL" });
  return { status: r.status, out: r.stdout + r.stderr, leftovers: readdirSync(tmp).filter((n) => n.startsWith("quantscope-kernel-")) };
}

test("a missing notebook is one clear line, not a Python traceback", () => {
  const r = report([join(tmpdir(), "no-such-notebook.ipynb")]);
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /notebook .*no-such-notebook\.ipynb does not exist/);
  assert.doesNotMatch(r.out, /Traceback/);
});

test("a failing run leaves no quantscope-kernel-* folder behind", { skip: skipReason(missing) }, () => {
  const dir = mkdtempSync(join(tmpdir(), "qs-report-"));
  const nb = join(dir, "broken.ipynb");
  writeFileSync(nb, "{}");
  const r = report([nb, "-o", join(dir, "broken.html")]);
  assert.equal(r.status, 1, r.out);
  assert.deepEqual(r.leftovers, []);
});

test("a successful run leaves no quantscope-kernel-* folder behind", { skip: skipReason(missing), timeout: 320_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "qs-report-"));
  const nb = join(dir, "tiny.ipynb");
  writeFileSync(nb, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: "quantscope", display_name: "q", language: "typescript" } }, cells: [{ cell_type: "code", id: "c1", metadata: {}, source: "1 + 1", outputs: [], execution_count: null }] }));
  const r = report([nb, "-o", join(dir, "tiny.html")]);
  assert.equal(r.status, 0, r.out);
  assert.deepEqual(r.leftovers, []);
});

/** Skip when Jupyter is missing, except in CI, where a missing tool must fail the test. */
function skipReason(reason: string | null): string | false {
  if (!reason) return false;
  if (process.env.CI) throw new Error(`CI: ${reason}`);
  return reason;
}
