/** skipOrFail: a missing tool skips the test on a laptop and fails it in CI. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const FIXTURE = fileURLToPath(new URL("./fixtures/missing-tool.fixture.js", import.meta.url));

/** Runs the fixture in a child `node --test` with `CI` as given (undefined: unset). */
function runFixture(ci: string | undefined): { status: number | null; out: string; pass: number; fail: number; skipped: number } {
  const env = { ...process.env };
  delete env.CI;
  delete env.NODE_TEST_CONTEXT; // set by the runner running this file; the child must be a runner of its own
  if (ci !== undefined) env.CI = ci;
  const r = spawnSync(process.execPath, ["--test", "--test-reporter=tap", FIXTURE], { encoding: "utf8", env });
  const out = `${r.stdout}\n${r.stderr}`;
  const count = (what: string) => Number(new RegExp(`^# ${what} (\\d+)$`, "m").exec(r.stdout)?.[1] ?? NaN);
  return { status: r.status, out, pass: count("pass"), fail: count("fail"), skipped: count("skipped") };
}

test("without CI a missing tool skips the test and the run passes", () => {
  const r = runFixture(undefined);
  assert.deepEqual([r.status, r.pass, r.fail, r.skipped], [0, 0, 0, 1], r.out);
  assert.match(r.out, /# SKIP \/nonexistent\/quantscope-test-tool is not installed/);
});

test("an empty CI counts as unset", () => {
  const r = runFixture("");
  assert.deepEqual([r.status, r.fail, r.skipped], [0, 0, 1], r.out);
});

test("with CI set a missing tool fails the test, naming the tool, and the run fails", () => {
  for (const ci of ["true", "1"]) {
    const r = runFixture(ci);
    assert.notEqual(r.status, 0, r.out);
    assert.deepEqual([r.pass, r.fail, r.skipped], [0, 1, 0], r.out);
    assert.match(r.out, /\/nonexistent\/quantscope-test-tool is not installed \(CI is set/);
  }
});
