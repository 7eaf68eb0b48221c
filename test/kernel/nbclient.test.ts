import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jupyterMissing, pythonTest } from "../helpers/jupyter.js";
import { skipOrFail } from "../helpers/require-tool.js";

const missing = jupyterMissing();

test("nbclient executes a notebook with a widget and stores the widget state", (t) => {
  if (missing) return skipOrFail(t, missing);
  const out = join(mkdtempSync(join(tmpdir(), "qs-nb-")), "out.ipynb");
  const r = pythonTest("kernel_nbclient.py", [out]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const nb = JSON.parse(readFileSync(out, "utf8")) as { metadata: { widgets: Record<string, { state: Record<string, unknown> }> } };
  assert.equal(Object.keys(nb.metadata.widgets["application/vnd.jupyter.widget-state+json"]!.state).length, 1);
});
