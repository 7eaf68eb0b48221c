/**
 * `quantscope kernel install|uninstall` and the JupyterLab extension, with no Jupyter needed: where the
 * files go for --prefix and --user (XDG_DATA_HOME), and that uninstall keeps the extension while
 * another quantscope kernelspec there still uses it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI, ROOT } from "../helpers/package.js";

const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

function cli(args: string[], env: Record<string, string> = {}): string {
  return execFileSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } });
}

function extensionAt(share: string): { name: string; version: string; jupyterlab: { _build: { load: string } } } | null {
  const f = join(share, "labextensions", "quantscope-widgets", "package.json");
  return existsSync(f) ? JSON.parse(readFileSync(f, "utf8")) : null;
}

test("install --prefix: kernelspec and the built labextension side by side; uninstall keeps it while another quantscope kernelspec remains", () => {
  const prefix = mkdtempSync(join(tmpdir(), "qs-install-"));
  try {
    const share = join(prefix, "share", "jupyter");
    cli(["kernel", "install", "--prefix", prefix]);
    cli(["kernel", "install", "--prefix", prefix, "--name", "quantscope-b"]);
    const ext = extensionAt(share);
    assert.ok(ext, "no labextension installed");
    assert.equal(ext.name, "quantscope-widgets");
    assert.equal(ext.version, VERSION);
    assert.ok(existsSync(join(share, "labextensions", "quantscope-widgets", ext.jupyterlab._build.load)));
    assert.deepEqual(readFileSync(join(share, "labextensions", "quantscope-widgets", ext.jupyterlab._build.load)), readFileSync(join(ROOT, "widgets", "dist", "labextension", ext.jupyterlab._build.load)));

    const first = cli(["kernel", "uninstall", "--prefix", prefix]);
    assert.match(first, /removed .*kernels\/quantscope$/m);
    assert.ok(extensionAt(share), "removed while kernelspec quantscope-b still needs it");
    const second = cli(["kernel", "uninstall", "--prefix", prefix, "--name", "quantscope-b"]);
    assert.match(second, /removed .*labextensions\/quantscope-widgets$/m);
    assert.equal(extensionAt(share), null);
    assert.ok(!existsSync(join(share, "kernels", "quantscope-b")));
    assert.match(cli(["kernel", "uninstall", "--prefix", prefix]), /nothing to remove/);
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
});

test("install --user goes to $XDG_DATA_HOME/jupyter/{kernels,labextensions}", { skip: process.platform === "darwin" ? "macOS uses ~/Library/Jupyter" : false }, () => {
  const data = mkdtempSync(join(tmpdir(), "qs-xdg-"));
  try {
    cli(["kernel", "install", "--user"], { XDG_DATA_HOME: data });
    assert.ok(existsSync(join(data, "jupyter", "kernels", "quantscope", "kernel.json")));
    assert.ok(extensionAt(join(data, "jupyter")));
    cli(["kernel", "uninstall", "--user"], { XDG_DATA_HOME: data });
    assert.equal(extensionAt(join(data, "jupyter")), null);
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});
