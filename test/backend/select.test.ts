import { test } from "node:test";
import assert from "node:assert/strict";
import { selectBackend } from "../../src/backend/select.js";

test("without overrides the first available backend is chosen and every skipped one says why", async () => {
  const saved = process.env.QUANTSCOPE_BACKEND;
  delete process.env.QUANTSCOPE_BACKEND;
  try {
    const choice = await selectBackend();
    const skipped = choice.attempts.filter((a) => !a.ok);
    assert.equal(choice.attempts.at(-1)!.name, choice.name);
    for (const a of skipped) assert.ok(a.reason.length > 0, `${a.name} has a reason`);
    // On a machine without libtensorflow the tfjs-node packages are skipped, never fatal.
    if (choice.name !== "tensorflow-gpu" && choice.name !== "tensorflow") {
      assert.match(skipped.find((a) => a.name === "tensorflow")!.reason, /not installed|failed to load/);
    }
    assert.ok(["tensorflow-gpu", "tensorflow", "webgpu", "native", "wasm"].includes(choice.name));
  } finally {
    if (saved !== undefined) process.env.QUANTSCOPE_BACKEND = saved;
  }
});

test("QUANTSCOPE_BACKEND and the option override the order; bad names are clear errors", async () => {
  const saved = process.env.QUANTSCOPE_BACKEND;
  try {
    process.env.QUANTSCOPE_BACKEND = "cpu";
    const cpu = await selectBackend();
    assert.equal(cpu.name, "cpu");
    assert.match(cpu.reason, /QUANTSCOPE_BACKEND/);
    process.env.QUANTSCOPE_BACKEND = "tpu";
    await assert.rejects(selectBackend(), /QUANTSCOPE_BACKEND='tpu' is not a backend/);
    delete process.env.QUANTSCOPE_BACKEND;
    const wasm = await selectBackend({ backend: "wasm" });
    assert.equal(wasm.tfjsName, "wasm");
    await assert.rejects(selectBackend({ backend: "tensorflow-gpu" }), /not available: @tensorflow\/tfjs-node-gpu (is not installed|failed to load)/);
  } finally {
    if (saved === undefined) delete process.env.QUANTSCOPE_BACKEND;
    else process.env.QUANTSCOPE_BACKEND = saved;
  }
});
