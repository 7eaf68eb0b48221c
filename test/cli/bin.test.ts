/**
 * The `quantscope` bin as the build leaves it: executable, so npm's link to it (which npx reuses
 * across rebuilds) keeps working, and runnable through its own shebang.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { CLI } from "../helpers/package.js";

test("the build leaves the bin executable by everyone who can read it", () => {
  const mode = statSync(CLI).mode & 0o777;
  assert.equal(mode & 0o111, 0o111, `${CLI} has mode ${mode.toString(8)}`);
});

test("the bin runs through its shebang", () => {
  assert.match(readFileSync(CLI, "utf8").split("\n")[0]!, /^#!\/usr\/bin\/env node$/);
  const r = spawnSync(CLI, ["--help"], { encoding: "utf8" });
  assert.equal(r.error, undefined, `spawning ${CLI} directly failed: ${r.error?.message}`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /usage: quantscope/);
});
