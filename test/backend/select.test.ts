import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
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
    await assert.rejects(selectBackend({ backend: "nope" as never }), /backend='nope' is not a backend; use one of: tensorflow-gpu, tensorflow, webgpu, native, wasm, cpu/);
  } finally {
    if (saved === undefined) delete process.env.QUANTSCOPE_BACKEND;
    else process.env.QUANTSCOPE_BACKEND = saved;
  }
});

test("tfjs-node-gpu that is installed but cannot load (no CUDA 11) is named with the reason and the remedy, and auto-selection moves on", () => {
  // A child process whose module resolver answers @tensorflow/tfjs-node-gpu with a module that throws
  // what libtensorflow's binding throws on a machine without CUDA 11.
  const hooks = `export async function resolve(specifier, context, next) {
    if (specifier === "@tensorflow/tfjs-node-gpu") return { shortCircuit: true, url: "data:text/javascript,throw new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory')" };
    return next(specifier, context);
  }`;
  const script = `
    import { register } from "node:module";
    register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});
    const { selectBackend } = await import(${JSON.stringify(new URL("../../src/backend/select.js", import.meta.url).href)});
    const forced = await selectBackend({ backend: "tensorflow-gpu" }).then(() => "loaded", (e) => e.message);
    const auto = await selectBackend();
    console.log(JSON.stringify({ forced, auto: auto.name, first: auto.attempts[0] }));`;
  const env = { ...process.env };
  delete env.QUANTSCOPE_BACKEND;
  const res = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", env });
  assert.equal(res.status, 0, res.stderr);
  const out = JSON.parse(res.stdout.trim().split("\n").at(-1)!) as { forced: string; auto: string; first: { name: string; ok: boolean; reason: string } };
  assert.match(out.forced, /^backend 'tensorflow-gpu' is not available: @tensorflow\/tfjs-node-gpu failed to load: libcudart\.so\.11\.0: cannot open shared object file: No such file or directory; it needs an NVIDIA GPU with CUDA 11\.x and cuDNN 8 libraries .*environment\.yml/);
  assert.deepEqual([out.first.name, out.first.ok], ["tensorflow-gpu", false]);
  assert.match(out.first.reason, /failed to load: libcudart\.so\.11\.0.*CUDA 11\.x/);
  assert.notEqual(out.auto, "tensorflow-gpu");
});

test("tfjs-node-gpu that is not installed says so and how to get it", async (t) => {
  const saved = process.env.QUANTSCOPE_BACKEND;
  delete process.env.QUANTSCOPE_BACKEND;
  try {
    // Only meaningful where it is not installed (here and in CI); where it is, the loading test above stands.
    const installed = await import("@tensorflow/tfjs-node-gpu" as string).then(() => true, (e: { code?: string }) => e.code !== "ERR_MODULE_NOT_FOUND");
    if (installed) return t.skip("@tensorflow/tfjs-node-gpu is installed here");
    await assert.rejects(selectBackend({ backend: "tensorflow-gpu" }), /@tensorflow\/tfjs-node-gpu is not installed; it needs an NVIDIA GPU with CUDA 11\.x .*npm install @tensorflow\/tfjs-node-gpu/);
  } finally {
    if (saved !== undefined) process.env.QUANTSCOPE_BACKEND = saved;
  }
});
