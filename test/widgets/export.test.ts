/**
 * Exported HTML: a notebook whose metadata holds widget state (as nbclient's store_widget_state
 * writes it) converted by Debian's nbconvert with local require.js / embed-amd.js, the assets
 * copied beside it. And the same notebook without widget state: the text/html SVG fallback.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { copyWidgetAssets, widgetState } from "../../src/widgets/embed.js";
import { specFor } from "../../src/widgets/spec.js";
import { degradationFallback, degradationState } from "../../src/widgets/state.js";
import { blockOthers, haveChromium, launch, serve, toLocalServer } from "./browser.js";
import { SYSTEM_PYTHON } from "./jupyter.js";
import { BITS, quantResults, RUNS } from "./fixtures.js";
import { CLI, ROOT } from "../helpers/package.js";
import { skipOrFail } from "../helpers/require-tool.js";

const ARTIFACTS = join(ROOT, "test-artifacts");

function haveNbconvert(): boolean {
  try {
    execFileSync(SYSTEM_PYTHON, ["-c", "import nbconvert"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const skip = !haveChromium() ? "no chromium" : !haveNbconvert() ? "no nbconvert under /usr/bin/python3" : false;
let dir = "";

function notebook(withState: boolean): unknown {
  const t = quantResults();
  const { spec, extra } = specFor("DegradationCurve", "jupyter-widgets");
  const state = { ...extra, ...degradationState(t) };
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: "quantscope", display_name: "TypeScript (quantscope)", language: "typescript" },
      language_info: { name: "typescript" },
      ...(withState ? { widgets: { "application/vnd.jupyter.widget-state+json": widgetState([{ id: "m1", spec, state }]) } } : {}),
    },
    cells: [{
      cell_type: "code", id: "c1", metadata: {}, execution_count: 1, source: "degradationCurve(results)",
      outputs: [{
        output_type: "display_data", metadata: {},
        data: {
          "application/vnd.jupyter.widget-view+json": { model_id: "m1", version_major: 2, version_minor: 0 },
          "text/html": degradationFallback(t, state),
          "text/plain": "DegradationCurve",
        },
      }],
    }],
  };
}

before(() => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), "qs-export-"));
  writeFileSync(join(dir, "with-state.ipynb"), JSON.stringify(notebook(true)));
  writeFileSync(join(dir, "no-state.ipynb"), JSON.stringify(notebook(false)));
  execFileSync(SYSTEM_PYTHON, [
    "-Xfrozen_modules=off", "-m", "nbconvert", "--to", "html",
    "--HTMLExporter.require_js_url=require.js", "--HTMLExporter.widget_renderer_url=embed-amd.js",
    "with-state.ipynb", "no-state.ipynb",
  ], { cwd: dir, stdio: "pipe", env: { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: "1" } });
  copyWidgetAssets(dir);
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Kernel spec prefix, or a reason the executed-notebook test cannot run. */
function kernelPrefix(): string {
  const prefix = join(dir, "prefix");
  try {
    execFileSync(process.execPath, [CLI, "kernel", "install", "--prefix", prefix], { stdio: "pipe" });
    return prefix;
  } catch (e) {
    return `!kernel install failed: ${(e as { stderr?: Buffer }).stderr?.toString().slice(0, 200)}`;
  }
}

async function open(file: string, shot: string) {
  const server = await serve({ "/": dir });
  const browser = await launch();
  const page = await browser.context.newPage();
  page.setDefaultTimeout(0); // every wait is bounded by its test's timeout, not by how busy the machine is
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const external = await blockOthers(page, toLocalServer);
  await page.goto(`${server.url}/${file}`);
  return {
    page, external, errors,
    async close() {
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, shot), fullPage: true });
      await browser.close();
      await server.close();
    },
  };
}

test("nbconvert HTML with widget state renders the plotly widget from local scripts only", { timeout: 300_000 }, async (t) => {
  if (skip) return skipOrFail(t, skip);
  const html = readFileSync(join(dir, "with-state.html"), "utf8");
  assert.match(html, /widgetRendererSrc = 'embed-amd\.js'/);
  assert.ok(existsSync(join(dir, "quantscope-widgets.js")));
  const o = await open("with-state.html", "widgets-nbconvert.png");
  try {
    await o.page.waitForSelector(".js-plotly-plot .scatterlayer .trace", { timeout: 0 });
    assert.equal(await o.page.locator(".js-plotly-plot .scatterlayer .trace").count(), RUNS.length);
    assert.equal(await o.page.locator(".js-plotly-plot .scatterlayer .point").count(), RUNS.length * BITS.length);
    // Debian's template points MathJax at a file:// URL; nothing goes to the network.
    assert.deepEqual(o.external.filter((u) => !u.startsWith("file:")), []);
    assert.deepEqual(o.errors, []);
  } finally {
    await o.close();
  }
});

test("nbconvert HTML without widget state shows the inline SVG fallback", { timeout: 300_000 }, async (t) => {
  if (skip) return skipOrFail(t, skip);
  const o = await open("no-state.html", "widgets-fallback.png");
  try {
    assert.equal(await o.page.locator("svg.qs-static-chart .qs-series").count(), RUNS.length);
    assert.equal(await o.page.locator("svg.qs-static-chart polyline").count(), RUNS.length);
    assert.equal(await o.page.locator("svg.qs-static-chart .qs-xtitle").textContent(), "scheme");
    assert.equal(await o.page.locator(".js-plotly-plot").count(), 0);
  } finally {
    await o.close();
  }
});

test("the example notebook executed by nbconvert with our kernel exports working widgets", { timeout: 600_000 }, async (t) => {
  if (skip) return skipOrFail(t, skip);
  const prefix = kernelPrefix();
  assert.ok(!prefix.startsWith("!"), prefix.slice(1)); // our own install failing is a failure, not a missing tool
  copyFileSync(join(ROOT, "widgets/examples/widgets.ipynb"), join(dir, "example.ipynb"));
  execFileSync(SYSTEM_PYTHON, [
    "-Xfrozen_modules=off", "-m", "nbconvert", "--execute", "--to", "html", "--ExecutePreprocessor.timeout=180",
    "--HTMLExporter.require_js_url=require.js", "--HTMLExporter.widget_renderer_url=embed-amd.js", "example.ipynb",
  ], {
    cwd: dir, stdio: "pipe",
    env: { ...process.env, JUPYTER_PATH: join(prefix, "share/jupyter"), PYDEVD_DISABLE_FILE_VALIDATION: "1" },
  });
  // nbclient stored every widget's final state (comm traffic before each cell's idle)
  const html = readFileSync(join(dir, "example.html"), "utf8");
  const m = /<script type="application\/vnd.jupyter.widget-state\+json">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, "widget state in the export");
  const models = Object.values(JSON.parse(m[1]).state) as { model_name: string; state: Record<string, unknown> }[];
  assert.deepEqual(models.map((x) => x.model_name).sort(), ["DegradationCurveModel", "OutlierTraceModel", "TableViewModel", "TrainingMonitorModel"]);
  const monitor = models.find((x) => x.model_name === "TrainingMonitorModel")!;
  assert.equal(monitor.state.status, "done");
  const o = await open("example.html", "widgets-example-notebook.png");
  try {
    await o.page.waitForFunction(() => document.querySelectorAll(".js-plotly-plot").length >= 4 && document.querySelector("table.qs-table"), null, { timeout: 0 });
    const monitorPoints = await o.page.evaluate(() => (document.querySelector(".qs-training-monitor .js-plotly-plot") as any).data[0].x.length);
    assert.equal(monitorPoints, monitor.state.step);
    assert.deepEqual(o.external.filter((u) => !u.startsWith("file:")), []);
    assert.deepEqual(o.errors, []);
  } finally {
    await o.close();
  }
});
