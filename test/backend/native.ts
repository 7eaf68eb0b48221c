import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { loadNative, type NativeAddon } from "../../src/backend/native/addon.js";

/** The addon, or a skip saying why it is missing; on CI (which installs g++ and libopenblas-dev) a failure. */
export function nativeOrSkip(t: TestContext): NativeAddon | null {
  const status = loadNative();
  if (status.ok) return status.addon;
  assert.ok(!process.env.CI, `CI builds the native addon, but: ${status.reason}`);
  t.skip(status.reason);
  return null;
}

/** Runs `fn` while counting calls of the addon's `method`; the kernels call the addon object they were registered with. */
export function countCalls<T>(addon: NativeAddon, method: Exclude<keyof NativeAddon, "threads" | "rowThreads" | "config" | "setThreads">, fn: (calls: () => number) => T): T {
  let calls = 0;
  const original = addon[method] as (...args: unknown[]) => void;
  (addon as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
    calls++;
    original.apply(addon, args);
  };
  const restore = () => void ((addon as unknown as Record<string, unknown>)[method] = original);
  let result: T;
  try {
    result = fn(() => calls);
  } catch (err) {
    restore();
    throw err;
  }
  // An async `fn` counts until its promise settles.
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}
