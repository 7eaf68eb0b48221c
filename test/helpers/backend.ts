import { selectBackend, type BackendChoice } from "../../src/backend/select.js";

/** The backend tests run on: `QUANTSCOPE_BACKEND` if set (e.g. webgpu on the GPU machine), else wasm. */
export async function testBackend(): Promise<BackendChoice> {
  return selectBackend({ backend: process.env.QUANTSCOPE_BACKEND ? undefined : "wasm" });
}
