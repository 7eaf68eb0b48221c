import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { jupyterMissing, JUPYTER_PYTHON, pythonTest, tempKernelPath } from "../helpers/jupyter.js";
import { kernelSpec } from "../../kernel/install.js";

const missing = jupyterMissing();

test("the kernelspec installs where Jupyter finds it", { skip: missing ?? false }, () => {
  const path = tempKernelPath();
  const r = spawnSync(JUPYTER_PYTHON, ["-m", "jupyter_client.kernelspecapp", "list", "--json"], { encoding: "utf8", env: { ...process.env, JUPYTER_PATH: path } });
  assert.equal(r.status, 0, r.stderr);
  const specs = (JSON.parse(r.stdout) as { kernelspecs: Record<string, { spec: { display_name: string; argv: string[] } }> }).kernelspecs;
  assert.equal(specs.quantscope!.spec.display_name, "TypeScript (quantscope)");
  assert.deepEqual(specs.quantscope!.spec.argv.slice(-3), ["kernel", "-f", "{connection_file}"]);
  assert.equal(kernelSpec().interrupt_mode, "signal");
});

test("jupyter_kernel_test conformance suite passes", { skip: missing ?? false }, () => {
  const r = pythonTest("kernel_conformance.py");
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /conformance: 11 ran, 0 failures, 0 errors/);
});

test("comms, widget protocol 2.1, binary buffers, signatures, robustness and interrupt with jupyter_client", { skip: missing ?? false }, () => {
  const r = pythonTest("kernel_comms.py", [], { QUANTSCOPE_KERNEL_MAX_MESSAGE_BYTES: String(2 << 20) });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /comms: 8 ran, 0 failures, 0 errors/);
});

test("nbclient executes a notebook with a widget and stores the widget state", { skip: missing ?? false }, () => {
  const out = join(mkdtempSync(join(tmpdir(), "qs-nb-")), "out.ipynb");
  const r = pythonTest("kernel_nbclient.py", [out]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const nb = JSON.parse(readFileSync(out, "utf8")) as { metadata: { widgets: Record<string, { state: Record<string, unknown> }> } };
  assert.equal(Object.keys(nb.metadata.widgets["application/vnd.jupyter.widget-state+json"]!.state).length, 1);
});
