import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ResultsStore } from "../../src/store/results.js";
import { CLI } from "../helpers/package.js";
import { checkOfflineReport, haveChromium } from "../widgets/browser.js";
import { skipOrFail } from "../helpers/require-tool.js";

test("quantscope demo (ci preset) prints the claim table and writes Arrow tables, MACHINE.json and an offline report that renders", { timeout: 300_000 }, async (t) => {
  const out = mkdtempSync(join(tmpdir(), "qs-demo-"));
  const r = spawnSync(process.execPath, [CLI, "demo", "--preset", "ci", "--out", out], { encoding: "utf8", timeout: 280_000, env: { ...process.env, QUANTSCOPE_DEBUG: "1" } });
  assert.equal(r.status, 0, `demo failed:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-3000)}`);
  assert.match(r.stdout, /The paper's claims, tested \(computed from the data; 95% intervals over seeds\)/);
  // The ci preset has every arm, so every claim gets a verdict (its numbers mean nothing at 24 steps).
  for (const id of ["C1-A", "C1-W", "C2-A", "C2-W", "C3-A", "C3-W", "C4-A", "C4-W", "C5", "C6", "C7", "R-A", "R-W"]) {
    assert.match(r.stdout, new RegExp(`\\n  ${id} [^\\n]* — (reproduced|opposite|inconclusive at [^\\n]*)\\n`), `verdict line for ${id}`);
  }
  const machine = JSON.parse(readFileSync(join(out, "MACHINE.json"), "utf8")) as Record<string, unknown>;
  for (const k of ["commit", "node", "backend", "cpus", "preset"]) assert.ok(k in machine, `MACHINE.json has ${k}`);
  const report = join(out, "report.html");
  assert.match(r.stdout, new RegExp(`report: ${report.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));

  const store = new ResultsStore(out);
  for (const name of ["runs", "metrics", "traces", "quant"] as const) assert.ok((await store.read(name)).numRows > 0, `${name} has rows`);
  const html = readFileSync(report, "utf8");
  assert.match(html, /application\/vnd\.jupyter\.widget-state\+json/);
  for (const asset of ["require.js", "embed-amd.js", "quantscope-widgets.js"]) assert.ok(existsSync(join(out, asset)), asset);

  if (!haveChromium()) return skipOrFail(t, "chromium is not installed: the report was written but not opened");
  await checkOfflineReport(report, async (page) => {
    assert.ok(await page.locator(".js-plotly-plot").count() >= 2, "the degradation and outlier charts render");
  });
});
