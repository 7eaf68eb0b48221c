/**
 * The one place a test gives up because a tool (chromium, Jupyter, torch, an optional package) is
 * missing. On a laptop that is a skip. In CI (`CI` set to any non-empty value, as every CI service
 * does) it is a failure: there a missing tool means a failed install, which must not turn into a
 * green run.
 */
import type { TestContext } from "node:test";

/** Whether this run is CI: `CI` is set and not empty. */
export function inCI(): boolean {
  return (process.env.CI ?? "") !== "";
}

/**
 * Skips the test with `reason`, or, in CI, fails it with `reason`. Call it as
 * `if (missing) return skipOrFail(t, missing);` at the top of the test body.
 */
export function skipOrFail(t: TestContext, reason: string): void {
  if (inCI()) throw new Error(`${reason} (CI is set, so a missing tool fails the test instead of skipping it)`);
  t.skip(reason);
}
