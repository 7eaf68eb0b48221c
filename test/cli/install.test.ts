/** `quantscope kernel install`: where a user install goes, and what kernel.json holds. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI } from "../helpers/package.js";

test("with XDG_DATA_HOME='' a user install goes to ~/.local/share, not the current folder", { skip: process.platform === "darwin" }, () => {
  const home = mkdtempSync(join(tmpdir(), "qs-home-"));
  const cwd = mkdtempSync(join(tmpdir(), "qs-cwd-"));
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_DATA_HOME: "" };
  delete env.JUPYTER_DATA_DIR;
  const out = execFileSync(process.execPath, [CLI, "kernel", "install", "--user"], { cwd, env, encoding: "utf8" });
  assert.deepEqual(readdirSync(cwd), [], "nothing written to the current folder");
  const spec = join(home, ".local/share/jupyter/kernels/quantscope/kernel.json");
  assert.ok(existsSync(spec), out);
});

test("--max-old-space-size goes into kernel.json as a node flag before the script", () => {
  const prefix = mkdtempSync(join(tmpdir(), "qs-prefix-"));
  execFileSync(process.execPath, [CLI, "kernel", "install", "--prefix", prefix, "--max-old-space-size", "6144"]);
  const spec = JSON.parse(readFileSync(join(prefix, "share/jupyter/kernels/quantscope/kernel.json"), "utf8")) as { argv: string[] };
  assert.deepEqual(spec.argv.slice(0, 3), [process.execPath, "--max-old-space-size=6144", CLI]);
});
