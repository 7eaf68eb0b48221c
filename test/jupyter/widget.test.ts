import { test } from "node:test";
import assert from "node:assert/strict";
import { commManager, MemoryTransport } from "../../src/jupyter/comm.js";
import { Widget, WIDGET_VIEW_MIME } from "../../src/jupyter/widget.js";
import { displaySymbol } from "../../src/display.js";

const spec = { modelName: "M", modelModule: "m", modelModuleVersion: "1.0.0", viewName: "V", viewModule: "m", viewModuleVersion: "1.0.0" };

test("a widget opens a jupyter.widget comm with its state, binary values as buffers", () => {
  const t = new MemoryTransport();
  commManager.transport = t;
  const bytes = new Uint8Array([1, 2, 3]);
  const w = new Widget(spec, { title: "t", data: { ipc: bytes, n: 3 } });
  const open = t.sent[0]!;
  assert.equal(open.msgType, "comm_open");
  assert.equal(open.content.target_name, "jupyter.widget");
  assert.deepEqual(open.metadata, { version: "2.1.0" });
  const data = open.content.data as { state: Record<string, unknown>; buffer_paths: unknown[] };
  assert.equal(data.state._model_name, "M");
  assert.deepEqual(data.state.data, { n: 3 });
  assert.deepEqual(data.buffer_paths, [["data", "ipc"]]);
  assert.deepEqual(open.buffers, [bytes]);
  assert.equal(w.get("title"), "t");
  commManager.transport = null;
});

test("front-end updates are applied, echoed and reported; request_state gets a full update", () => {
  const t = new MemoryTransport();
  commManager.transport = t;
  const w = new Widget(spec, { metric: "loss", blob: null as DataView | null });
  const changes: unknown[] = [];
  w.on("change", (c) => changes.push(c));
  const buf = new DataView(new Uint8Array([9]).buffer);
  assert.ok(commManager.handleMsg({ content: { comm_id: w.id, data: { method: "update", state: { metric: "accuracy" }, buffer_paths: [["blob"]] } }, metadata: {}, buffers: [buf] }));
  assert.equal(w.get("metric"), "accuracy");
  assert.equal(w.get("blob"), buf);
  assert.deepEqual(changes, [{ metric: "accuracy", blob: buf }]);
  const echo = t.sent.at(-1)!;
  assert.equal((echo.content.data as { method: string }).method, "echo_update");
  commManager.handleMsg({ content: { comm_id: w.id, data: { method: "request_state" } }, metadata: {}, buffers: [] });
  const full = t.sent.at(-1)!.content.data as { method: string; state: Record<string, unknown> };
  assert.equal(full.method, "update");
  assert.equal(full.state._view_name, "V");
  assert.equal(full.state.metric, "accuracy");
  // Unknown comm ids and methods are reported, never thrown.
  assert.equal(commManager.handleMsg({ content: { comm_id: "nope", data: {} }, metadata: {}, buffers: [] }), false);
  commManager.handleMsg({ content: { comm_id: w.id, data: { method: "bogus" } }, metadata: {}, buffers: [] });
  commManager.transport = null;
});

test("custom messages both ways, the control comm, display bundle and close", () => {
  const t = new MemoryTransport();
  commManager.transport = t;
  const w = new Widget(spec, { x: 1 });
  const got: unknown[] = [];
  w.onCustom((c, b) => got.push([c, b.length]));
  commManager.handleMsg({ content: { comm_id: w.id, data: { method: "custom", content: { click: 1 } } }, metadata: {}, buffers: [] });
  assert.deepEqual(got, [[{ click: 1 }, 0]]);
  w.sendCustom({ hello: true }, [new Uint8Array([1])]);
  assert.deepEqual(t.sent.at(-1)!.content.data, { method: "custom", content: { hello: true } });

  assert.ok(commManager.handleOpen({ content: { comm_id: "ctl", target_name: "jupyter.widget.control", data: {} }, metadata: {}, buffers: [] }));
  commManager.handleMsg({ content: { comm_id: "ctl", data: { method: "request_states" } }, metadata: {}, buffers: [] });
  const states = t.sent.at(-1)!.content.data as { method: string; states: Record<string, { model_name: string; state: { x: number } }> };
  assert.equal(states.method, "update_states");
  assert.equal(states.states[w.id]!.model_name, "M");
  assert.equal(states.states[w.id]!.state.x, 1);
  assert.equal(commManager.handleOpen({ content: { comm_id: "zz", target_name: "unknown.target", data: {} }, metadata: {}, buffers: [] }), false);

  const bundle = w[displaySymbol]();
  assert.deepEqual(bundle[WIDGET_VIEW_MIME], { version_major: 2, version_minor: 1, model_id: w.id });
  assert.ok(typeof bundle["text/plain"] === "string" && typeof bundle["text/html"] === "string");
  w.display();
  assert.equal(t.displayed.length, 1);
  w.close();
  assert.equal(t.sent.at(-1)!.msgType, "comm_close");
  commManager.transport = null;
});
