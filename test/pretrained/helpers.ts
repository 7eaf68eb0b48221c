import type { TestContext } from "node:test";
import assert from "node:assert/strict";

/** Skips a test whose tool is missing here, but fails under CI, where every tool must be present. */
export function skipUnlessCi(t: TestContext, why: string): void {
  if (process.env.CI) assert.fail(`${why} (CI is set: the test must run)`);
  t.skip(why);
}

/** max |a − b| over max |b|: logits agree "to 1e-4 relative" when this is below 1e-4. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, "lengths differ");
  let diff = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}
