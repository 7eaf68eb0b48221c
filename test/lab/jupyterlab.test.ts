/**
 * The widgets in a real JupyterLab 4: the app in test/lab/app (JupyterLab 4.5 from npm, built the
 * way dev_mode builds JupyterLab), served by Debian's jupyterlab_server LabServerApp, with the
 * quantscope kernel and our prebuilt extension installed by `quantscope kernel install --prefix`
 * and found on the labextensions path like any prebuilt extension. Notebooks are opened and run
 * with JupyterLab's own commands (docmanager:open, notebook:run-all-cells) in Debian's chromium.
 * Everything waited for is a message or a DOM state; the timeouts are only safety nets.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { CLI, ROOT } from "../helpers/package.js";
import { haveChromium, launch } from "../widgets/browser.js";
import { SYSTEM_PYTHON, type JupyterServer } from "../widgets/jupyter.js";
import { buildLabApp, labServerMissing, startLab } from "./app.js";

const ARTIFACTS = join(ROOT, "test-artifacts");
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const EXTENSION = join(ROOT, "widgets", "dist", "labextension", "package.json");

const serverMissing = labServerMissing() ?? (!existsSync(EXTENSION) ? "the labextension is not built (npm run build)" : null);
const missing = !haveChromium() ? "no chromium" : serverMissing;

/** Skip locally when a tool is missing; under CI that is a failure. */
function skipOrFail(t: { skip(msg: string): void }, why: string | null = missing): boolean {
  if (!why) return false;
  if (process.env.CI) assert.fail(why);
  t.skip(why);
  return true;
}

function cli(...args: string[]): string {
  return execFileSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: "utf8" });
}

/** The prebuilt extensions jupyterlab_server lists from these labextensions folders (what it puts in the page config). */
function federatedExtensions(labextensions: string): { name: string; version: string }[] {
  const r = spawnSync(SYSTEM_PYTHON, ["-c", "import json, sys; from jupyterlab_server.config import get_federated_extensions; print(json.dumps(list(get_federated_extensions([sys.argv[1]]).values())))", labextensions], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test("kernel install puts the labextension beside the kernelspec, where jupyterlab_server lists it; uninstall removes both", async (t) => {
  if (skipOrFail(t, serverMissing)) return;
  const prefix = mkdtempSync(join(tmpdir(), "qs-lab-install-"));
  try {
    const out = cli("kernel", "install", "--prefix", prefix);
    const share = join(prefix, "share", "jupyter");
    assert.match(out, /installed JupyterLab extension in .*labextensions\/quantscope-widgets/);
    assert.ok(existsSync(join(share, "kernels", "quantscope", "kernel.json")));
    const listed = federatedExtensions(join(share, "labextensions"));
    assert.equal(listed.length, 1, JSON.stringify(listed));
    assert.equal(listed[0]!.name, "quantscope-widgets");
    assert.equal(listed[0]!.version, VERSION);
    const build = (listed[0] as unknown as { jupyterlab: { _build: { load: string; extension: string } } }).jupyterlab._build;
    assert.equal(build.extension, "./extension");
    assert.ok(existsSync(join(share, "labextensions", "quantscope-widgets", build.load)), build.load);
    const install = JSON.parse(readFileSync(join(share, "labextensions", "quantscope-widgets", "install.json"), "utf8"));
    assert.equal(install.packageName, "quantscope");

    cli("kernel", "uninstall", "--prefix", prefix);
    assert.ok(!existsSync(join(share, "kernels", "quantscope")));
    assert.deepEqual(federatedExtensions(join(share, "labextensions")), []);
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
});

let lab: (JupyterServer & { settingsDir: string }) | undefined;
let prefix = "";
let page: Page;
let closeBrowser: () => Promise<void> = async () => {};

before(async () => {
  if (missing) return;
  const build = buildLabApp();
  prefix = mkdtempSync(join(tmpdir(), "qs-lab-prefix-"));
  cli("kernel", "install", "--prefix", prefix);
  lab = await startLab(build, join(prefix, "share", "jupyter"));
  copyFileSync(join(ROOT, "notebooks", "01-quickstart.ipynb"), join(lab.workDir, "01-quickstart.ipynb"));
  copyFileSync(join(ROOT, "widgets", "examples", "widgets.ipynb"), join(lab.workDir, "widgets.ipynb"));
  const browser = await launch();
  closeBrowser = () => browser.close();
  page = await browser.context.newPage();
  await page.setViewportSize({ width: 1400, height: 1000 });
  page.on("pageerror", (e) => console.error("[page]", String(e)));
  await page.goto(`${lab.url}/lab`);
  await page.waitForSelector("body[data-qs-lab-restored]", { state: "attached", timeout: 120_000 });
});

after(async () => {
  await closeBrowser();
  if (lab) {
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, "jupyterlab-server.log"), lab.output());
    await lab.stop();
  }
  if (prefix) rmSync(prefix, { recursive: true, force: true });
});

async function shot(name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  // Hide toasts (JupyterLab asks "get notified about official Jupyter news?"), which would cover the widgets.
  await page.addStyleTag({ content: ".jp-toastContainer { display: none !important; }" });
  await page.screenshot({ path: join(ARTIFACTS, name) });
}

/**
 * Opens `path` with JupyterLab's document manager, records every kernel message (both directions)
 * in `window.qsMsgs`, clears the saved outputs and starts Run All; `window.qsRunAllDone` turns true
 * when JupyterLab has run the last cell.
 */
async function openAndRunAll(path: string): Promise<void> {
  await page.evaluate(async (p) => {
    const w = window as any;
    const app = w.qsLab.app;
    const panel = await app.commands.execute("docmanager:open", { path: p, factory: "Notebook" });
    await panel.context.ready;
    await panel.sessionContext.ready;
    const kernel = panel.sessionContext.session.kernel;
    await kernel.info;
    w.qsPanel = panel;
    w.qsMsgs = [];
    kernel.anyMessage.connect((_: unknown, m: any) => {
      const { msg, direction } = m;
      w.qsMsgs.push({
        direction, channel: msg.channel, type: msg.header.msg_type, id: msg.header.msg_id,
        parent: msg.parent_header?.msg_id, comm: msg.content?.comm_id, data: msg.content?.data, content: msg.content,
      });
    });
    app.shell.activateById(panel.id);
    await app.commands.execute("notebook:clear-all-cell-outputs");
    w.qsRunAllDone = false;
    app.commands.execute("notebook:run-all-cells").then(() => (w.qsRunAllDone = true), (e: unknown) => (w.qsRunAllDone = `failed: ${e}`));
  }, path);
}

/** Waits for Run All to finish, then returns each code cell's execution count and output types. */
async function finishRunAll(): Promise<{ count: number | null; outputs: string[] }[]> {
  await page.waitForFunction(() => (window as any).qsRunAllDone, null, { timeout: 600_000, polling: 500 });
  assert.equal(await page.evaluate(() => (window as any).qsRunAllDone), true);
  return page.evaluate(() => {
    const cells = (window as any).qsPanel.content.widgets.filter((c: any) => c.model.type === "code");
    return cells.map((c: any) => ({
      count: c.model.executionCount,
      outputs: Array.from({ length: c.model.outputs.length }, (_, i) => {
        const o = c.model.outputs.get(i);
        return o.type === "error" ? `error: ${o.toJSON().ename}: ${o.toJSON().evalue}` : o.type === "stream" ? "stream" : Object.keys(o.data).join("+");
      }),
    }));
  });
}

/** How the open notebook's widgets were drawn: each quantscope view, and any fallback or widget error. */
async function widgetOutputs(): Promise<{ views: { kind: string; plotly: boolean; table: boolean }[]; fallbacks: number; errors: string[] }> {
  return page.evaluate(() => {
    const nb = (window as any).qsPanel.node as HTMLElement;
    const outputs = Array.from(nb.querySelectorAll(".jp-OutputArea-output"));
    return {
      views: Array.from(nb.querySelectorAll(".quantscope-widget")).map((view) => ({
        kind: Array.from(view.querySelector(".qs-widget")?.classList ?? []).find((c) => c !== "qs-widget") ?? "?",
        plotly: !!view.querySelector(".js-plotly-plot .main-svg"),
        table: !!view.querySelector("table.qs-table"),
      })),
      // The static SVG chart is the text/html fallback JupyterLab would show without our extension.
      fallbacks: nb.querySelectorAll(".jp-OutputArea-output .qs-static-chart").length,
      // jupyterlab-manager's messages when a model or view class cannot be loaded.
      errors: outputs.map((o) => o.textContent ?? "").filter((t) => /Error displaying widget|Failed to load model class/.test(t)),
    };
  });
}

function assertRendered(ws: Awaited<ReturnType<typeof widgetOutputs>>, expected: number): void {
  assert.deepEqual(ws.errors, []);
  assert.equal(ws.fallbacks, 0, "a widget shows the SVG fallback");
  assert.equal(ws.views.length, expected, JSON.stringify(ws));
  for (const w of ws.views) {
    if (w.kind === "qs-table-view") assert.ok(w.table, JSON.stringify(w));
    else assert.ok(w.plotly, `${w.kind} is not a plotly chart: ${JSON.stringify(w)}`);
  }
}

/** Runs `code` on the notebook's kernel (not in a cell) and returns its stdout. */
async function kernelPrint(code: string): Promise<string> {
  return page.evaluate(async (c) => {
    const kernel = (window as any).qsPanel.sessionContext.session.kernel;
    let out = "";
    const future = kernel.requestExecute({ code: c, silent: false, store_history: false });
    future.onIOPub = (msg: any) => {
      if (msg.header.msg_type === "stream") out += msg.content.text;
    };
    await future.done;
    return out;
  }, code);
}

test("JupyterLab loads quantscope-widgets as a prebuilt extension from the labextensions path", async (t) => {
  if (skipOrFail(t)) return;
  const config = await page.evaluate(() => JSON.parse(document.getElementById("jupyter-config-data")!.textContent!));
  const ours = config.federated_extensions.find((e: { name: string }) => e.name === "quantscope-widgets");
  assert.ok(ours, JSON.stringify(config.federated_extensions));
  assert.match(ours.load, /^static\/remoteEntry\.[0-9a-f]+\.js$/);
  const plugins = await page.evaluate(() => (window as any).qsLab.prebuiltPlugins);
  assert.deepEqual(plugins, ["quantscope-widgets:plugin"]);
  const active = await page.evaluate(() => (window as any).qsLab.app.isPluginActivated("quantscope-widgets:plugin"));
  assert.equal(active, true);
});

test("widgets.ipynb: Run All renders every widget as plotly (no fallback), a TrainingMonitor grows while its cell trains, a dropdown reaches the kernel", { timeout: 600_000 }, async (t) => {
  if (skipOrFail(t)) return;
  await openAndRunAll("widgets.ipynb");
  // While the notebook runs: once the TrainingMonitor's comm opens, sample its chart on every
  // animation frame until the execute_reply of the cell that created it arrives.
  await page.evaluate(() => {
    const w = window as any;
    w.qsGrowth = [] as number[];
    const frame = () => {
      const open = w.qsMsgs.find((m: any) => m.type === "comm_open" && m.data?.state?._model_name === "TrainingMonitorModel");
      const done = open && w.qsMsgs.some((m: any) => m.type === "execute_reply" && m.parent === open.parent);
      if (open && !done) {
        const gd = w.qsPanel.node.querySelector(".qs-training-monitor .js-plotly-plot") as any;
        const n = gd?.data?.[0]?.x?.length ?? 0;
        if (n !== w.qsGrowth.at(-1)) w.qsGrowth.push(n);
      }
      if (!done) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
  const cells = await finishRunAll();
  for (const c of cells) {
    assert.notEqual(c.count, null, JSON.stringify(cells));
    assert.ok(!c.outputs.some((o) => o.startsWith("error")), JSON.stringify(cells));
  }
  const growth: number[] = await page.evaluate(() => (window as any).qsGrowth);
  const drawn = growth.filter((n) => n > 0);
  assert.ok(drawn.length >= 3, `the monitor chart grew through ${JSON.stringify(growth)} before its cell finished`);
  for (let i = 1; i < drawn.length; i++) assert.ok(drawn[i]! > drawn[i - 1]!, JSON.stringify(growth));
  const updates = await page.evaluate(() => (window as any).qsMsgs.filter((m: any) => m.type === "comm_msg" && m.direction === "recv" && m.data?.method === "update" && m.data?.state && "step" in m.data.state).length);
  assert.ok(updates >= 3, `${updates} monitor updates`);

  // Every widget-view output is drawn by our view from the prebuilt extension.
  await page.waitForFunction(() => {
    const views = (window as any).qsPanel.node.querySelectorAll(".quantscope-widget");
    return views.length > 0 && Array.from(views).every((v: any) => v.querySelector(".js-plotly-plot .main-svg, table.qs-table"));
  }, null, { timeout: 60_000 });
  const expected = cells.reduce((n, c) => n + c.outputs.filter((o) => o.includes("application/vnd.jupyter.widget-view+json")).length, 0);
  assert.ok(expected >= 4, `${expected} widget outputs`);
  const ws = await widgetOutputs();
  assertRendered(ws, expected);
  for (const kind of ["qs-degradation-curve", "qs-table-view", "qs-outlier-trace", "qs-training-monitor"]) assert.ok(ws.views.some((w) => w.kind === kind), `${kind} in ${JSON.stringify(ws)}`);
  await shot("jupyterlab-widgets-ipynb.png");
  // For the README (docs/widgets.png): the notebook's top, cells importing from "quantscope" and the curve.
  await page.setViewportSize({ width: 1400, height: 1400 });
  await page.evaluate(async () => {
    const w = window as any;
    await w.qsLab.app.commands.execute("application:toggle-left-area");
    w.qsPanel.node.querySelector(".jp-CodeCell")?.scrollIntoView({ block: "start" });
  });
  await shot("jupyterlab-readme.png");
  await page.evaluate(() => (window as any).qsLab.app.commands.execute("application:toggle-left-area"));
  await page.setViewportSize({ width: 1400, height: 1000 });

  // A metric picked in the browser's dropdown reaches the kernel-side model, which echoes it.
  const sel = (await page.$$(".qs-degradation-curve select.qs-select-metric"))[0]!;
  assert.equal(await sel.inputValue(), "loss");
  await sel.selectOption("accuracy");
  await page.waitForFunction(() => (window as any).qsMsgs.some((m: any) => m.direction === "recv" && m.type === "comm_msg" && m.data?.method === "echo_update" && m.data.state?.metric === "accuracy"), null, { timeout: 30_000 });
  const sent = await page.evaluate(() => (window as any).qsMsgs.some((m: any) => m.direction === "send" && m.type === "comm_msg" && m.data?.method === "update" && m.data.state?.metric === "accuracy"));
  assert.ok(sent, "the browser sent the update");
  assert.match(await kernelPrint("console.log(`metric=${curve.metric}`)"), /metric=accuracy/);
  await shot("jupyterlab-dropdown.png");
});

test("notebook 01: Run All renders its widgets as plotly; clicking a scheme on the degradation curve shows its per-layer SQNR (onClick)", { timeout: 600_000 }, async (t) => {
  if (skipOrFail(t)) return;
  await openAndRunAll("01-quickstart.ipynb");
  const cells = await finishRunAll();
  for (const c of cells) {
    assert.notEqual(c.count, null, JSON.stringify(cells));
    assert.ok(!c.outputs.some((o) => o.startsWith("error")), JSON.stringify(cells));
  }
  await page.waitForFunction(() => {
    const views = (window as any).qsPanel.node.querySelectorAll(".quantscope-widget");
    return views.length >= 3 && Array.from(views).every((v: any) => v.querySelector(".js-plotly-plot .main-svg"));
  }, null, { timeout: 60_000 });
  const expected = cells.reduce((n, c) => n + c.outputs.filter((o) => o.includes("application/vnd.jupyter.widget-view+json")).length, 0);
  assertRendered(await widgetOutputs(), expected);

  // The degradation curve (x = scheme) and the linked per-layer SQNR chart below it (in this
  // notebook's panel: widgets.ipynb is still open in another tab).
  const panelId: string = await page.evaluate(() => (window as any).qsPanel.id);
  const curves = page.locator(`[id="${panelId}"] .qs-degradation-curve`);
  assert.equal(await curves.count(), 2);
  const layersTitle = () => curves.nth(1).locator(".gtitle").textContent();
  const before = await layersTitle();
  const points = curves.nth(0).locator(".scatterlayer .trace .points path");
  const n = await points.count();
  assert.ok(n >= 2, `${n} points`);
  // The last scheme: the linked view starts on the first, so its title must change.
  const target = points.nth(n - 1);
  await target.scrollIntoViewIfNeeded();
  const box = (await target.boundingBox())!;
  // Hover first and wait for plotly to pick the point, then click: plotly reports the hovered point.
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.waitForFunction(() => ((window as any).qsPanel.node.querySelector(".qs-degradation-curve .js-plotly-plot")?._hoverdata?.length ?? 0) > 0, null, { timeout: 30_000 });
  await page.mouse.down();
  await page.mouse.up();
  const click = await page.waitForFunction(() => (window as any).qsMsgs.find((m: any) => m.direction === "send" && m.type === "comm_msg" && m.data?.method === "custom" && m.data.content?.event === "click")?.data.content.point, null, { timeout: 30_000 });
  const point = (await click.jsonValue()) as { x: string; row: { scheme_id: string; metric: string } };
  assert.equal(point.row.metric, "loss");
  const id = point.row.scheme_id;
  // The kernel's handler sent the linked chart new data and title; the browser redrew it.
  await page.waitForFunction((sid) => (window as any).qsMsgs.some((m: any) => m.direction === "recv" && m.type === "comm_msg" && m.data?.method === "update" && m.data.state?.title === `per-layer SQNR of ${sid}`), id, { timeout: 30_000 });
  await page.waitForFunction((sid) => (window as any).qsPanel.node.querySelectorAll(".qs-degradation-curve")[1]?.querySelector(".gtitle")?.textContent === `per-layer SQNR of ${sid}`, id, { timeout: 30_000 });
  assert.notEqual(before, await layersTitle());
  const layerXs = await page.evaluate(() => {
    const gd = (window as any).qsPanel.node.querySelectorAll(".qs-degradation-curve")[1].querySelector(".js-plotly-plot");
    return gd.data.flatMap((tr: any) => tr.x);
  });
  assert.ok(layerXs.length > 0 && layerXs.every((x: unknown) => typeof x === "number"), JSON.stringify(layerXs));
  await curves.nth(1).scrollIntoViewIfNeeded();
  await shot("jupyterlab-onclick-linked-view.png");
});
