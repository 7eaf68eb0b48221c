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
